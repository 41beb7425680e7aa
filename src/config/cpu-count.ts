import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';

/**
 * How many CPUs this process may really use: `os.availableParallelism()` (the CPUs the
 * scheduler lets it run on: cores, cpuset, affinity) lowered to the container's CPU quota.
 *
 * availableParallelism() ignores a cgroup CPU quota: a pod limited to 2 CPUs on a 64-core
 * node would start 64 threads, each getting a sliver of the quota and all of them paying for
 * the switches. The quota is what Kubernetes' `resources.limits.cpu` and `docker run --cpus`
 * set: cgroup v2 `cpu.max` ("<quota> <period>", or "max <period>"), cgroup v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1: none). A limit set on any ancestor of the
 * process's cgroup applies too, so every level up to the mount's root is read and the
 * smallest wins. The result is ceil(quota / period): 1.5 CPUs of quota keep 2 threads busy.
 *
 * The parsers below are pure functions of the files' text; `cpuCount()` reads the files.
 */

/** A CPU bandwidth limit: `quota` µs of CPU time every `period` µs. */
export interface CpuQuota {
  quota: number;
  period: number;
}

/** cgroup v2 `cpu.max`: "200000 100000" → 2 CPUs of quota; "max 100000" → no limit. */
export function parseCpuMax(text: string): CpuQuota | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  return quotaOf(Number(quota), Number(period ?? 100000));
}

/** cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`: a quota of -1 is no limit. */
export function parseCfsQuota(quotaText: string, periodText: string): CpuQuota | undefined {
  return quotaOf(Number(quotaText.trim()), Number(periodText.trim()));
}

function quotaOf(quota: number, period: number): CpuQuota | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return { quota, period };
}

/** The process's cgroup paths from /proc/self/cgroup: the v2 one ("0::/path") and the v1 cpu controller's. */
export function parseProcCgroup(text: string): { v2?: string; v1cpu?: string } {
  const out: { v2?: string; v1cpu?: string } = {};
  for (const line of text.split('\n')) {
    // hierarchy-id:controller-list:path (the path may itself contain ':')
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const id = line.slice(0, first);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (id === '0' && controllers === '') out.v2 = path;
    else if (controllers.split(',').includes('cpu')) out.v1cpu = path;
  }
  return out;
}

export interface CgroupMount {
  /** The cgroup path that the mount shows at its mount point ("/" unless bind-mounted below). */
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** The cgroup and cgroup2 mounts in /proc/self/mountinfo. */
export function parseMountInfo(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const before = line.slice(0, dash).split(' ');
    const after = line.slice(dash + 3).split(' ');
    const fsType = after[0];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    if (before.length < 5) continue;
    out.push({ root: unescapeMountPath(before[3]!), mountPoint: unescapeMountPath(before[4]!), fsType, superOptions: (after[2] ?? '').split(',') });
  }
  return out;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (\040 ...). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The directories that hold the process's cgroup and each of its ancestors visible in the
 * mount, deepest first. In a container the mount's root is usually the container's own
 * cgroup (a cgroup namespace or a bind mount), and the path in /proc/self/cgroup is then
 * either "/" or that same root.
 */
export function cgroupDirs(mount: CgroupMount, cgroupPath: string): string[] {
  const root = posix.normalize(mount.root);
  const path = posix.normalize(cgroupPath);
  let relative = '';
  if (root === '/') relative = path;
  else if (path === root) relative = '';
  else if (path.startsWith(`${root}/`)) relative = path.slice(root.length);
  // else: a path outside the mount's root (a cgroup namespace showing "/"): the mount point is the cgroup
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.' && part !== '..');
  const dirs: string[] = [];
  for (let depth = parts.length; depth >= 0; depth--) dirs.push(join(mount.mountPoint, ...parts.slice(0, depth)));
  return dirs;
}

/** The CPU count for a quota: ceil(quota / period), at least 1, at most `available`. */
export function cpusForQuota(quota: CpuQuota | undefined, available: number): number {
  if (quota === undefined) return available;
  return Math.max(1, Math.min(available, Math.ceil(quota.quota / quota.period)));
}

/** The tightest of several quotas (the one allowing the fewest CPUs). */
export function tightestQuota(quotas: Array<CpuQuota | undefined>): CpuQuota | undefined {
  let best: CpuQuota | undefined;
  for (const q of quotas) if (q && (best === undefined || q.quota / q.period < best.quota / best.period)) best = q;
  return best;
}

/** Reads a file's text, or undefined if it does not exist or cannot be read. */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Every CPU quota that applies to this process, cgroup v2 and v1 (a hybrid machine mounts
 * both; the cpu controller is attached to one of them), read through `read`.
 */
export function cgroupCpuQuota(read: ReadText = readText): CpuQuota | undefined {
  const cgroup = read('/proc/self/cgroup');
  const mountinfo = read('/proc/self/mountinfo');
  if (cgroup === undefined || mountinfo === undefined) return undefined;
  const paths = parseProcCgroup(cgroup);
  const mounts = parseMountInfo(mountinfo);
  const quotas: Array<CpuQuota | undefined> = [];
  const v2 = mounts.find((m) => m.fsType === 'cgroup2');
  if (paths.v2 !== undefined && v2) {
    for (const dir of cgroupDirs(v2, paths.v2)) {
      const text = read(join(dir, 'cpu.max'));
      if (text !== undefined) quotas.push(parseCpuMax(text));
    }
  }
  const v1 = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes('cpu'));
  if (paths.v1cpu !== undefined && v1) {
    for (const dir of cgroupDirs(v1, paths.v1cpu)) {
      const quota = read(join(dir, 'cpu.cfs_quota_us'));
      const period = read(join(dir, 'cpu.cfs_period_us'));
      if (quota !== undefined && period !== undefined) quotas.push(parseCfsQuota(quota, period));
    }
  }
  return tightestQuota(quotas);
}

let cached: number | undefined;

/** The CPU count the defaults follow (maxThreads, ingressThreads, maxQueue); read once per process. */
export function cpuCount(): number {
  cached ??= cpusForQuota(cgroupCpuQuota(), availableParallelism());
  return cached;
}
