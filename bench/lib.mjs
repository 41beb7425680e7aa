// Shared pieces of the benchmarks: start a server process, wait for its URL, run wrk, measure RSS.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error) {
    console.log('installing wrk (Debian package)');
    const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit' });
    if (apt(['update', '-qq']).status !== 0 || apt(['install', '-y', '-qq', 'wrk']).status !== 0) throw new Error('could not install wrk');
  }
}

/** Starts a server command; resolves with { url, child } once it logs " listening on ". */
export function startServer(command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { stopServer(child); reject(new Error(`server did not start:\n${out}`)); }, 20_000);
    const onData = (chunk) => {
      out += chunk;
      for (const line of out.split('\n')) {
        try {
          const record = JSON.parse(line);
          if (record.msg?.includes(' listening on ') && record.url) { clearTimeout(timer); resolve({ url: record.url, child }); return; }
        } catch { /* not JSON */ }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => { out += c; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${out}`)); });
  });
}

/** Stops the whole process group (a cluster's workers, gopool's daemon and master). */
export async function stopServer(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** The pids of a process's children. */
export function childPids(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch { /* exited */ }
  }
  return out;
}

function toMs(text) {
  const m = text.match(/([\d.]+)(us|ms|s)/);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

/** Runs wrk; returns requests/s, p50/p99 in ms, errors, and the peak RSS of `pid`'s tree. */
export async function wrk(url, { connections, seconds, threads = 1 }, pid) {
  let peak = 0;
  let peakPss = 0;
  const sampler = setInterval(() => {
    const memory = treeMemoryMb(pid);
    peak = Math.max(peak, memory.rssMb);
    peakPss = Math.max(peakPss, memory.pssMb);
  }, 250);
  const child = spawn('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '--latency', url]);
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? NaN);
  const p50 = toMs(out.match(/50%\s+(\S+)/)?.[1] ?? '');
  const p99 = toMs(out.match(/99%\s+(\S+)/)?.[1] ?? '');
  const errorsLine = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const errors = non2xx + (errorsLine ? errorsLine.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const refused = errorsLine ? Number(errorsLine[1]) : 0;
  return { rps, requests, p50, p99, errors, refused, peakRssMb: peak, peakPssMb: peakPss };
}

/** The median of the finite values (a wrk figure it could not print is NaN, and skipped). */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A process and all its descendants. */
export function treePids(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childPids(out[i]));
  return out;
}

/**
 * Memory of a process tree, two ways: RSS summed (counts the Node binary's shared pages once
 * per process, so several processes look bigger than they are) and PSS summed (shared pages
 * split between the processes that map them: what the tree really costs the machine).
 */
export function treeMemoryMb(pid) {
  let rss = 0;
  let pss = 0;
  for (const p of treePids(pid)) {
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      rss += Number(rollup.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
      pss += Number(rollup.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
    } catch { /* exited */ }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024 };
}
