const fs = require('fs');
const os = require('os');
const path = require('path');
const { execSync } = require('child_process');
const assert = require('assert');
const { copyTree } = require('../index.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'copytree-'));
try {
  fs.mkdirSync(path.join(tmp, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'a', 'b', 'f.txt'), 'x');
  copyTree(path.join(tmp, 'a'), path.join(tmp, 'c'));
  assert.strictEqual(fs.readFileSync(path.join(tmp, 'c', 'b', 'f.txt'), 'utf8'), 'x');
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
  execSync(`rm -rf ${JSON.stringify(tmp)}`);
}
