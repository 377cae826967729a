const { spawn } = require('child_process');
exports.launch = (exe, args = []) => spawn(exe, ['--headless=new', '--remote-debugging-port=0', ...args], { stdio: 'pipe' });
