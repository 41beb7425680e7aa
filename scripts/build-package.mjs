#!/usr/bin/env node
// The build of what users install, and the manifest they get.
//
//   node scripts/build-package.mjs           build dist/: package.json "prepare", which npm runs
//                                            after `npm ci` in a clone and when an app installs
//                                            gopool from git (npm installs the devDependencies,
//                                            TypeScript among them, then packs the clone)
//   node scripts/build-package.mjs --pack    "prepack" (`npm pack`, `npm publish`): build dist/,
//                                            then leave package.json as users get it, without
//                                            "scripts", the repository's kept aside
//   node scripts/build-package.mjs --unpack  "postpack": the repository's package.json back
//
// Why the manifest changes while npm packs: the tarball's package.json is the file on disk at
// that moment, and npm has no setting to leave fields out of it. The repository's scripts would
// otherwise ship: "prepare" makes npm list gopool among the packages with install scripts to
// approve, and "test", "bench", "chaos" name files the package does not ship. npm reads the
// manifest afresh after "prepack" to make the tarball, so with "prepare" gone it packs without
// building a second time; it runs "postpack" from the manifest it read before, which still has it.
// A git install packs the clone through "prepare" (npm runs neither "prepack" nor "postpack"
// there), so that route still builds.
//
// dist/ is built from scratch, so a module removed from src/ never ships, and without source
// maps: they would point at src/, which the package does not ship.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const manifest = join(root, 'package.json');
/** The repository's package.json while npm packs (git-ignored). */
const kept = join(root, '.package.json.before-pack');

/** Puts the repository's package.json back; also after a pack that stopped before "postpack". */
function restore() {
  if (existsSync(kept)) renameSync(kept, manifest);
}

function build() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--sourceMap', 'false'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

const mode = process.argv[2];
restore();
if (mode === '--unpack') process.exit(0);
build();
if (mode === '--pack') {
  const text = readFileSync(manifest, 'utf8');
  const { scripts: _scripts, ...shipped } = JSON.parse(text);
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(shipped, null, 2)}\n`);
}
