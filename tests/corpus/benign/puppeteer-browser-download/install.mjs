import { createWriteStream, chmodSync, mkdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
const BUILD = '131.0.6778.85';
if (process.env.PUPPETEER_SKIP_DOWNLOAD) process.exit(0);
const cacheDir = process.env.PUPPETEER_CACHE_DIR || join(homedir(), '.cache', 'puppeteer');
const platform = process.platform === 'darwin' ? 'mac-x64' : 'linux64';
const url = `https://storage.googleapis.com/chrome-for-testing-public/${BUILD}/${platform}/chrome-${platform}.zip`;
const dir = join(cacheDir, 'chrome', `${platform}-${BUILD}`);
const zip = join(dir, 'chrome.zip');
if (!existsSync(join(dir, `chrome-${platform}`))) {
  mkdirSync(dir, { recursive: true });
  await new Promise((resolve, reject) => {
    https.get(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`Download failed: ${res.statusCode} ${url}`));
      res.pipe(createWriteStream(zip)).on('finish', resolve);
    }).on('error', reject);
  });
  execFileSync('unzip', ['-q', '-o', zip, '-d', dir]);
  const exe = join(dir, `chrome-${platform}`, 'chrome');
  chmodSync(exe, 0o755);
  console.log(`Chrome (${BUILD}) downloaded to ${dir}`);
}
