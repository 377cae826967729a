const http = require('http');
const https = require('https');
const { URL } = require('url');
function proxyFor(url) {
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (noProxy.some((h) => url.hostname.endsWith(h))) return null;
  return url.protocol === 'https:' ? process.env.HTTPS_PROXY || process.env.https_proxy : process.env.HTTP_PROXY || process.env.http_proxy;
}
function request(method, target, { headers = {}, body, maxRedirects = 5 } = {}) {
  const url = new URL(target);
  const lib = url.protocol === 'https:' ? https : http;
  const proxy = proxyFor(url);
  return new Promise((resolve, reject) => {
    const opts = proxy
      ? { host: new URL(proxy).hostname, port: new URL(proxy).port, path: url.href, method, headers: { ...headers, Host: url.host } }
      : { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers };
    const req = lib.request(opts, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && maxRedirects > 0) {
        return resolve(request(method, new URL(res.headers.location, url).href, { headers, body, maxRedirects: maxRedirects - 1 }));
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, data: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}
module.exports = { get: (u, o) => request('GET', u, o), post: (u, body, o = {}) => request('POST', u, { ...o, body }) };
