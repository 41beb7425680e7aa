#!/usr/bin/env node
// The build of what users install: package.json "prepare", which npm runs before `npm pack` and
// `npm publish`, after `npm ci` in a clone, and when an app installs gopool from git (npm installs
// the devDependencies, TypeScript among them, before it). dist/ is built from scratch, so a
// module removed from src/ never ships, and without source maps: they would point at src/,
// which the package does not ship.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--sourceMap', 'false'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(tsc.status ?? 1);
