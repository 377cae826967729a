const fs = require('fs');
const os = require('os');
const path = require('path');
function readNpmrc() {
  const out = {};
  for (const file of [path.join(os.homedir(), '.npmrc'), path.join(process.cwd(), '.npmrc')]) {
    let text = '';
    try { text = fs.readFileSync(file, 'utf8'); } catch (e) { continue; }
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([^=#;]+?)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) out[m[1]] = m[2].replace(/\$\{([^}]+)\}/g, (_, v) => process.env[v] || '');
    }
  }
  return out;
}
module.exports = function getRegistryAuthToken(registryUrl = 'https://registry.npmjs.org/') {
  const conf = readNpmrc();
  const u = new URL(registryUrl);
  const key = `//${u.host}${u.pathname}`.replace(/\/?$/, '/');
  const token = conf[`${key}:_authToken`];
  return token ? { token, type: 'Bearer' } : undefined;
};
