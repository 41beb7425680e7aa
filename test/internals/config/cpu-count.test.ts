// The CPU count the thread defaults follow: the cgroup CPU quota, bounded by
// os.availableParallelism(). Parsers on given file contents, then this machine's real files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cgroupCpuQuota,
  cgroupDirs,
  cpuCount,
  cpusForQuota,
  parseCfsQuota,
  parseCpuMax,
  parseMountInfo,
  parseProcCgroup,
  tightestQuota,
} from '../../../src/config/cpu-count';

describe('parsing the cgroup files', () => {
  test('cgroup v2 cpu.max', () => {
    assert.deepEqual(parseCpuMax('200000 100000\n'), { quota: 200000, period: 100000 });
    assert.deepEqual(parseCpuMax('150000 100000'), { quota: 150000, period: 100000 });
    assert.equal(parseCpuMax('max 100000\n'), undefined);
    assert.equal(parseCpuMax(''), undefined);
  });

  test('cgroup v1 cfs quota and period', () => {
    assert.deepEqual(parseCfsQuota('50000\n', '100000\n'), { quota: 50000, period: 100000 });
    assert.equal(parseCfsQuota('-1\n', '100000\n'), undefined);
    assert.equal(parseCfsQuota('garbage', '100000'), undefined);
  });

  test('/proc/self/cgroup: the v2 path and the v1 cpu controller path', () => {
    assert.deepEqual(parseProcCgroup('0::/kubepods.slice/pod1/cri-abc.scope\n'), { v2: '/kubepods.slice/pod1/cri-abc.scope' });
    const v1 = '12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n3:cpuset:/docker/abc\n1:name=systemd:/docker/abc\n';
    assert.deepEqual(parseProcCgroup(v1), { v1cpu: '/docker/abc' });
    // cpuacct or cpuset alone is not the cpu controller
    assert.deepEqual(parseProcCgroup('2:cpuacct:/a\n3:cpuset:/b\n'), {});
    // a hybrid machine lists both
    assert.deepEqual(parseProcCgroup('1:cpu:/\n0::/user.slice\n'), { v1cpu: '/', v2: '/user.slice' });
    // a path with a colon in it
    assert.deepEqual(parseProcCgroup('0::/a:b\n'), { v2: '/a:b' });
  });

  test('/proc/self/mountinfo: cgroup mounts with their root, mount point and options', () => {
    const text = [
      '22 1 0:21 / / rw,relatime - overlay overlay rw',
      '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '31 30 0:28 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct',
      '33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
      '40 30 0:37 / /sys/fs/cgroup/with\\040space rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
    ].join('\n');
    assert.deepEqual(parseMountInfo(text), [
      { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/cpu,cpuacct', fsType: 'cgroup', superOptions: ['rw', 'cpu', 'cpuacct'] },
      { root: '/', mountPoint: '/sys/fs/cgroup/cpuset', fsType: 'cgroup', superOptions: ['rw', 'cpuset'] },
      { root: '/', mountPoint: '/sys/fs/cgroup/with space', fsType: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
    ]);
  });

  test('the directories of a cgroup and its ancestors, deepest first', () => {
    const host = { root: '/', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', superOptions: [] };
    assert.deepEqual(cgroupDirs(host, '/kubepods/pod1/c1'), [
      '/sys/fs/cgroup/kubepods/pod1/c1',
      '/sys/fs/cgroup/kubepods/pod1',
      '/sys/fs/cgroup/kubepods',
      '/sys/fs/cgroup',
    ]);
    assert.deepEqual(cgroupDirs(host, '/'), ['/sys/fs/cgroup']);
    // a container's v1 mount rooted at its own cgroup: the mount point is the cgroup
    const bound = { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/cpu', fsType: 'cgroup', superOptions: ['cpu'] };
    assert.deepEqual(cgroupDirs(bound, '/docker/abc'), ['/sys/fs/cgroup/cpu']);
    assert.deepEqual(cgroupDirs(bound, '/docker/abc/child'), ['/sys/fs/cgroup/cpu/child', '/sys/fs/cgroup/cpu']);
    // a cgroup namespace shows "/" while the mount's root is elsewhere
    assert.deepEqual(cgroupDirs(bound, '/'), ['/sys/fs/cgroup/cpu']);
  });

  test('ceil(quota / period), at least 1, at most the available CPUs', () => {
    assert.equal(cpusForQuota(undefined, 64), 64);
    assert.equal(cpusForQuota({ quota: 200000, period: 100000 }, 64), 2);
    assert.equal(cpusForQuota({ quota: 150000, period: 100000 }, 64), 2);
    assert.equal(cpusForQuota({ quota: 10000, period: 100000 }, 64), 1);
    assert.equal(cpusForQuota({ quota: 1000000, period: 100000 }, 4), 4);
    assert.deepEqual(tightestQuota([undefined, { quota: 400000, period: 100000 }, { quota: 150000, period: 50000 }, undefined]), {
      quota: 150000,
      period: 50000,
    });
    assert.equal(tightestQuota([undefined, undefined]), undefined);
  });

  test('a whole container, read through given file contents: the ancestor limit wins', () => {
    const files: Record<string, string> = {
      '/proc/self/cgroup': '0::/kubepods/pod1/c1\n',
      '/proc/self/mountinfo': '40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      '/sys/fs/cgroup/kubepods/pod1/c1/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/kubepods/pod1/cpu.max': '250000 100000\n',
      '/sys/fs/cgroup/kubepods/cpu.max': 'max 100000\n',
    };
    const quota = cgroupCpuQuota((path) => files[path]);
    assert.deepEqual(quota, { quota: 250000, period: 100000 });
    assert.equal(cpusForQuota(quota, 64), 3);
  });
});

/**
 * This machine's own files, read here on their own (cat and ls, not the module's reader), and
 * the formula applied to what they say.
 */
test('this machine: cpuCount() is ceil(quota / period) of its real cgroup files, at most availableParallelism()', (t) => {
  const cat = (path: string): string => execFileSync('cat', [path], { encoding: 'utf8' });
  const procCgroup = cat('/proc/self/cgroup');
  const mountinfo = cat('/proc/self/mountinfo');
  t.diagnostic(`/proc/self/cgroup:\n${procCgroup.trim()}`);
  const found: string[] = [];
  const ratios: number[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const [fsType, , superOptions = ''] = after.split(' ');
    const [, , , root, mountPoint] = before.split(' ');
    const v2 = fsType === 'cgroup2';
    const v1cpu = fsType === 'cgroup' && superOptions.split(',').includes('cpu');
    if (!v2 && !v1cpu) continue;
    const path = procCgroup
      .split('\n')
      .map((l) => l.split(':'))
      .find(([id, controllers]) => (v2 ? id === '0' && controllers === '' : (controllers ?? '').split(',').includes('cpu')))
      ?.slice(2)
      .join(':');
    if (path === undefined) continue;
    const inside = root === '/' ? path : path.startsWith(root!) ? path.slice(root!.length) : '';
    const parts = inside.split('/').filter(Boolean);
    for (let depth = parts.length; depth >= 0; depth--) {
      const dir = join(mountPoint!, ...parts.slice(0, depth));
      if (v2 && existsSync(join(dir, 'cpu.max'))) {
        const [quota, period] = cat(join(dir, 'cpu.max')).trim().split(' ');
        found.push(`${join(dir, 'cpu.max')}: ${quota} ${period}`);
        if (quota !== 'max') ratios.push(Number(quota) / Number(period));
      }
      if (v1cpu && existsSync(join(dir, 'cpu.cfs_quota_us'))) {
        const quota = Number(cat(join(dir, 'cpu.cfs_quota_us')));
        const period = Number(cat(join(dir, 'cpu.cfs_period_us')));
        found.push(`${join(dir, 'cpu.cfs_quota_us')}: ${quota} / ${period}`);
        if (quota > 0) ratios.push(quota / period);
      }
    }
  }
  const expected = Math.min(availableParallelism(), ratios.length ? Math.max(1, Math.ceil(Math.min(...ratios))) : Infinity);
  t.diagnostic(`quota files: ${found.join('; ') || 'none'}; availableParallelism ${availableParallelism()}; expected ${expected}`);
  // A Linux machine with cgroups mounted has at least one of them for this process.
  if (existsSync('/sys/fs/cgroup')) assert.ok(found.length > 0, 'no CPU quota file found for this process under /sys/fs/cgroup');
  assert.equal(cpuCount(), expected);
  assert.equal(readFileSync('/proc/self/cgroup', 'utf8'), procCgroup);
});
