const tty = require('tty');
const util = require('util');
const inspectOpts = Object.keys(process.env).filter((key) => /^debug_/i.test(key)).reduce((obj, key) => {
  const prop = key.substring(6).toLowerCase().replace(/_([a-z])/g, (_, k) => k.toUpperCase());
  let val = process.env[key];
  if (/^(yes|on|true|enabled)$/i.test(val)) val = true;
  else if (/^(no|off|false|disabled)$/i.test(val)) val = false;
  else if (val === 'null') val = null;
  else val = Number(val);
  obj[prop] = val;
  return obj;
}, {});
const enabled = (process.env.DEBUG || '').split(/[\s,]+/).filter(Boolean);
function createDebug(namespace) {
  const on = enabled.some((p) => new RegExp('^' + p.replace(/\*/g, '.*?') + '$').test(namespace));
  function debug(...args) {
    if (!on) return;
    const useColors = inspectOpts.colors ?? tty.isatty(process.stderr.fd);
    const prefix = useColors ? `\u001B[36;1m${namespace}\u001B[0m` : namespace;
    process.stderr.write(`${prefix} ${util.format(...args)}\n`);
  }
  debug.enabled = on;
  return debug;
}
module.exports = createDebug;
