const { spawn } = require('child_process');
module.exports = function crossEnv(args) {
  const env = { ...process.env };
  let i = 0;
  for (; i < args.length; i++) {
    const m = /^(\w+)=(.*)$/.exec(args[i]);
    if (!m) break;
    env[m[1]] = m[2];
  }
  const [command, ...rest] = args.slice(i);
  const proc = spawn(command, rest, { stdio: 'inherit', shell: true, env });
  process.on('SIGTERM', () => proc.kill('SIGTERM'));
  proc.on('exit', (code, signal) => process.exit(code === null ? (signal === 'SIGINT' ? 0 : 1) : code));
  return proc;
};
