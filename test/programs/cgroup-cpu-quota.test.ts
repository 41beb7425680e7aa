// A real CPU quota set by the kernel's cgroups, as a container runtime sets it (docker --cpus,
// Kubernetes limits.cpu): the thread defaults follow it. The test makes a cgroup with a quota
// on the parent and none on the child (so the ancestor walk is exercised), runs node and
// gopool inside the child, and removes both cgroups after.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get } from '../helpers/http';
import { CLI, FIXTURES, ROOT, run, runToEnd, whenListening } from '../helpers/processes';

interface Controller {
  version: 1 | 2;
  /** Where cgroups are made: the mount point of the hierarchy that has the cpu controller. */
  base: string;
  setQuota(dir: string, cpus: number): void;
}

/** The hierarchy the cpu controller is attached to on this machine, if this user can make cgroups in it. */
function cpuController(): Controller {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' - '))
    .filter(([, after]) => after);
  for (const [before, after] of mounts) {
    const [fsType, , superOptions = ''] = after!.split(' ');
    const mountPoint = before!.split(' ')[4]!;
    if (fsType === 'cgroup' && superOptions.split(',').includes('cpu')) {
      return { version: 1, base: mountPoint, setQuota: (dir, cpus) => writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(cpus * 100000)) };
    }
    if (fsType === 'cgroup2' && readFileSync(join(mountPoint, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      writeFileSync(join(mountPoint, 'cgroup.subtree_control'), '+cpu');
      return { version: 2, base: mountPoint, setQuota: (dir, cpus) => writeFileSync(join(dir, 'cpu.max'), `${cpus * 100000} 100000`) };
    }
  }
  throw new Error('no cgroup hierarchy with the cpu controller is mounted; this test needs one (as on the project machines)');
}

describe('a real cgroup CPU quota', () => {
  const controller = cpuController();
  const parent = join(controller.base, `gopool-test-${process.pid}`);
  const child = join(parent, 'app');

  before(() => {
    mkdirSync(parent);
    if (controller.version === 2) writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu');
    mkdirSync(child);
  });

  after(() => {
    // A cgroup can be removed once no process is left in it.
    for (const dir of [child, parent]) if (existsSync(dir)) rmdirSync(dir);
  });

  /** A shell that moves itself into the child cgroup, then becomes the command. */
  const inCgroup = (command: string[]): [string, string[]] => ['sh', ['-c', `echo $$ > ${child}/cgroup.procs && exec "$@"`, 'sh', ...command]];
  const cpuCountInside = async (): Promise<number> => {
    const [sh, args] = inCgroup([process.execPath, '-p', `require(${JSON.stringify(join(ROOT, 'dist', 'config', 'cpu-count.js'))}).cpuCount()`]);
    const result = await runToEnd(sh, args);
    assert.equal(result.code, 0, result.output);
    return Number(result.output.trim());
  };

  test('1 CPU of quota on the parent cgroup: cpuCount() is 1 inside, and gopool starts 1 thread at most', async (t) => {
    controller.setQuota(parent, 1);
    t.diagnostic(`cgroup v${controller.version} at ${parent}, quota 1 CPU; availableParallelism ${availableParallelism()}`);
    assert.equal(await cpuCountInside(), 1);

    const [sh, args] = inCgroup([process.execPath, CLI, 'start', join(FIXTURES, 'pool-app.js'), '--port', '0', '--info-url', '/_gopool']);
    const app = await whenListening(run(sh, args));
    try {
      const info = (await get(`${app.url}/_gopool`)).json();
      assert.equal(info.pool.maxThreads, 1);
    } finally {
      await app.stop();
    }
  });

  test("a quota above the machine's CPUs: bounded by availableParallelism()", async () => {
    controller.setQuota(parent, availableParallelism() + 8);
    assert.equal(await cpuCountInside(), availableParallelism());
  });
});
