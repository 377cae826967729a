const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const https = require('https');
const child_process = require('child_process');
const versionFromPackageJSON = require(path.join(__dirname, 'package.json')).version;
const knownUnixlikePackages = {
  'darwin arm64 LE': '@esbuild/darwin-arm64',
  'darwin x64 LE': '@esbuild/darwin-x64',
  'linux arm64 LE': '@esbuild/linux-arm64',
  'linux x64 LE': '@esbuild/linux-x64',
};
function pkgAndSubpathForCurrentPlatform() {
  const platformKey = `${process.platform} ${os.arch()} ${os.endianness()}`;
  const pkg = knownUnixlikePackages[platformKey];
  if (!pkg) throw new Error(`Unsupported platform: ${platformKey}`);
  return { pkg, subpath: 'bin/esbuild' };
}
function validateBinaryVersion(...command) {
  command.push('--version');
  const stdout = child_process.execFileSync(command.shift(), command, { stdio: 'pipe' }).toString().trim();
  if (stdout !== versionFromPackageJSON) {
    throw new Error(`Expected ${JSON.stringify(versionFromPackageJSON)} but got ${JSON.stringify(stdout)}`);
  }
}
function fetch(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      if ((res.statusCode === 301 || res.statusCode === 302) && res.headers.location) return fetch(res.headers.location).then(resolve, reject);
      if (res.statusCode !== 200) return reject(new Error(`Server responded with ${res.statusCode}`));
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
}
function extractFileFromTarGzip(buffer, subpath) {
  buffer = zlib.unzipSync(buffer);
  const str = (i, n) => String.fromCharCode(...buffer.subarray(i, i + n)).replace(/\0.*$/, '');
  let offset = 0;
  subpath = `package/${subpath}`;
  while (offset < buffer.length) {
    const name = str(offset, 100);
    const size = parseInt(str(offset + 124, 12), 8);
    offset += 512;
    if (!isNaN(size)) {
      if (name === subpath) return buffer.subarray(offset, offset + size);
      offset += (size + 511) & ~511;
    }
  }
  throw new Error(`Could not find ${JSON.stringify(subpath)} in archive`);
}
async function downloadDirectlyFromNPM(pkg, subpath, binPath) {
  const url = `https://registry.npmjs.org/${pkg}/-/${pkg.replace('@esbuild/', '')}-${versionFromPackageJSON}.tgz`;
  fs.writeFileSync(binPath, extractFileFromTarGzip(await fetch(url), subpath));
  fs.chmodSync(binPath, 0o755);
}
async function checkAndPreparePackage() {
  const { pkg, subpath } = pkgAndSubpathForCurrentPlatform();
  let binPath;
  try {
    binPath = require.resolve(`${pkg}/${subpath}`);
  } catch (e) {
    binPath = path.join(__dirname, 'bin', 'esbuild');
    await downloadDirectlyFromNPM(pkg, subpath, binPath);
  }
  return binPath;
}
checkAndPreparePackage().then((binPath) => validateBinaryVersion(binPath));
