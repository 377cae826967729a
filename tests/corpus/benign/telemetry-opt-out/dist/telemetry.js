const crypto = require('crypto');
const os = require('os');
const https = require('https');
const pkg = require('../package.json');
function isDisabled() {
  const e = process.env;
  return !!(e.DO_NOT_TRACK || e.BUILDKIT_TELEMETRY_DISABLED || e.CI);
}
function projectId(cwd) {
  return crypto.createHash('sha256').update('buildkit-salt:' + cwd).digest('hex').slice(0, 16);
}
exports.record = function record(eventName, fields = {}) {
  if (isDisabled()) return Promise.resolve();
  const payload = JSON.stringify({
    event: eventName, version: pkg.version, platform: os.platform(), arch: os.arch(),
    nodeVersion: process.version, projectId: projectId(process.cwd()), ...fields,
  });
  return new Promise((resolve) => {
    const req = https.request({ hostname: 'telemetry.buildkit.dev', path: '/api/v1/record', method: 'POST',
      headers: { 'content-type': 'application/json' }, timeout: 2000 }, () => resolve());
    req.on('error', () => resolve());
    req.end(payload);
  });
};
