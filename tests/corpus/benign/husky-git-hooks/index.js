const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
module.exports = function install(dir = '.husky') {
  if (process.env.HUSKY === '0') return 'HUSKY=0 skip install';
  if (!fs.existsSync('.git')) return '.git can\'t be found';
  const { status, stderr } = spawnSync('git', ['config', 'core.hooksPath', `${dir}/_`]);
  if (status !== 0) return String(stderr);
  fs.mkdirSync(path.join(dir, '_'), { recursive: true });
  fs.writeFileSync(path.join(dir, '_', '.gitignore'), '*');
  fs.writeFileSync(path.join(dir, 'pre-commit'), '#!/usr/bin/env sh\nnpm test\n', { mode: 0o755 });
  return '';
};
