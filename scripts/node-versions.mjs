// Node binaries of other majors, from the npm package `node` (it ships the binary), installed
// on demand under .node-versions/<major> (git-ignored). Used by the test runner (every major
// package.json "engines" promises) and the benchmark (Platformatic Watt needs Node >= 22.19).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const current = Number(process.versions.node.split('.')[0]);
const where = (major) => join(root, '.node-versions', String(major));
const binaryIn = (dir) => join(dir, 'node_modules', 'node', 'bin', 'node');
const installArgs = (major) => ['install', '--prefix', where(major), '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node@${major}`];

export function nodeBinary(major) {
  if (major === current) return process.execPath;
  const bin = binaryIn(where(major));
  if (!existsSync(bin)) {
    console.log(`\n== installing Node ${major} from the npm registry into ${where(major)}`);
    const npm = spawnSync('npm', installArgs(major), { stdio: 'inherit' });
    if (npm.status !== 0 || !existsSync(bin)) throw new Error(`could not install Node ${major}`);
  }
  return bin;
}

/** Installs the majors that are missing all at once (each install mostly waits on the registry and the disk). */
export async function installNodes(majors) {
  const missing = majors.filter((major) => major !== current && !existsSync(binaryIn(where(major))));
  if (missing.length === 0) return;
  console.log(`\n== installing Node ${missing.join(', ')} from the npm registry into ${join(root, '.node-versions')}`);
  const failed = await Promise.all(
    missing.map(
      (major) => new Promise((resolve) => spawn('npm', installArgs(major), { stdio: 'inherit' }).on('close', (code) => resolve(code === 0 ? null : major))),
    ),
  );
  const broken = failed.filter((major) => major !== null);
  if (broken.length > 0) throw new Error(`could not install Node ${broken.join(', ')}`);
}
