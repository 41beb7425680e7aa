// Debian packages that the tests and the chaos harness need: installed with apt-get when
// missing (as root, or through sudo), never skipped.
import { spawnSync } from 'node:child_process';

/** @param {Array<{ what: string, present: () => boolean, apt: string }>} needs */
export function ensureSystemPackages(needs) {
  const missing = needs.filter((need) => !need.present());
  if (missing.length === 0) return;
  const packages = missing.map((need) => need.apt);
  console.log(`\n== installing Debian packages: ${packages.join(' ')}`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args) =>
    spawnSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  if (apt(['update', '-qq']).status !== 0 || apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]).status !== 0) {
    throw new Error(`could not install ${packages.join(' ')}`);
  }
  for (const need of missing) if (!need.present()) throw new Error(`${need.what} is still missing after installing ${need.apt}`);
}

/** A program found on the PATH. */
export function onPath(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}
