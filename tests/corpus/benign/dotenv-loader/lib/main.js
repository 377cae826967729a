const fs = require('fs');
const path = require('path');
const LINE = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/mg;
function parse(src) {
  const obj = {};
  let match;
  const lines = src.toString().replace(/\r\n?/mg, '\n');
  while ((match = LINE.exec(lines)) != null) {
    let value = (match[2] || '').trim();
    value = value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2');
    obj[match[1]] = value;
  }
  return obj;
}
function config(options = {}) {
  const dotenvPath = options.path || path.resolve(process.cwd(), '.env');
  try {
    const parsed = parse(fs.readFileSync(dotenvPath, { encoding: options.encoding || 'utf8' }));
    for (const key of Object.keys(parsed)) {
      if (!Object.prototype.hasOwnProperty.call(process.env, key) || options.override) process.env[key] = parsed[key];
    }
    return { parsed };
  } catch (e) {
    if (options.debug) console.error(`[dotenv] failed to load ${dotenvPath}: ${e.message}`);
    return { error: e };
  }
}
module.exports = { config, parse };
