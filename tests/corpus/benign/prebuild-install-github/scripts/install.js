const https = require('https');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const pkg = require('../package.json');
const name = `${pkg.name}-v${pkg.version}-napi-v6-${process.platform}-${process.arch}.tar.gz`;
const url = `https://github.com/example-org/${pkg.name}/releases/download/v${pkg.version}/${name}`;
const expected = (pkg.binary && pkg.binary.sha256 && pkg.binary.sha256[`${process.platform}-${process.arch}`]) || null;
function fallback() {
  const r = spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status || 0);
}
https.get(url, (res) => {
  if (res.statusCode !== 200) return fallback();
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    const buf = Buffer.concat(chunks);
    if (expected && crypto.createHash('sha256').update(buf).digest('hex') !== expected) return fallback();
    fs.mkdirSync(path.join(__dirname, '..', 'prebuilds'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, '..', 'prebuilds', name), buf);
    spawnSync('tar', ['-xzf', name], { cwd: path.join(__dirname, '..', 'prebuilds') });
  });
}).on('error', fallback);
