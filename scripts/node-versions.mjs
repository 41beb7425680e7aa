// Node binaries of other majors, from the npm package `node` (it ships the binary), installed
// on demand under .node-versions/<major> (git-ignored). Used by the test runner (every major
// package.json "engines" promises) and the benchmark (Platformatic Watt needs Node >= 22.19).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

export function nodeBinary(major) {
  if (major === Number(process.versions.node.split('.')[0])) return process.execPath;
  const dir = join(root, '.node-versions', String(major));
  const bin = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bin)) {
    console.log(`\n== installing Node ${major} from the npm registry into ${dir}`);
    const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node@${major}`], {
      stdio: 'inherit',
    });
    if (npm.status !== 0 || !existsSync(bin)) throw new Error(`could not install Node ${major}`);
  }
  return bin;
}
