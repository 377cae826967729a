const { spawn, execFileSync } = require('child_process');
function git(args, cwd = process.cwd()) {
  return new Promise((resolve, reject) => {
    const p = spawn('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim()))));
  });
}
exports.status = (cwd) => git(['status', '--porcelain=v1'], cwd);
exports.log = (cwd, n = 10) => git(['log', `-n${n}`, '--pretty=%H %s'], cwd);
exports.commit = (msg, cwd) => git(['commit', '-m', msg], cwd);
exports.version = () => execFileSync('git', ['--version']).toString().trim();
