// Shared pieces of the benchmarks: start a server process, wait for its URL, run wrk, measure RSS.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error) {
    console.log('installing wrk (Debian package)');
    const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit' });
    if (apt(['update', '-qq']).status !== 0 || apt(['install', '-y', '-qq', 'wrk']).status !== 0) throw new Error('could not install wrk');
  }
}

/** The bench apps' own dependencies (bench/package.json: gopool linked, the peers, pg, plugins). */
export function installPeers(root) {
  console.log('installing the benchmark peers (bench/package-lock.json)');
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'], {
    cwd: join(root, 'bench'),
    stdio: 'inherit',
  });
  if (install.status !== 0) throw new Error('npm ci in bench/ failed');
}

/**
 * Starts a server command; resolves with { url, child } once it logs " listening on " with its
 * url, or, given `readyUrl` (a server that logs no such line), once that URL answers 200.
 */
export function startServer(command, args, env = {}, { readyUrl, cwd, timeoutMs = 30_000 } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(cwd ? { cwd } : {}) });
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const done = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        void stopServer(child);
        reject(error);
      } else resolve(value);
    };
    const timer = setTimeout(() => done(new Error(`server did not start:\n${out}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (readyUrl) return;
      for (const line of out.split('\n')) {
        try {
          const record = JSON.parse(line);
          if (record.msg?.includes(' listening on ') && record.url) {
            done(null, { url: record.url, child });
            return;
          }
        } catch {
          /* not JSON */
        }
      }
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) => done(new Error(`server exited (${code}):\n${out}`)));
    if (readyUrl) {
      const poll = async () => {
        while (!settled) {
          try {
            const response = await fetch(readyUrl);
            await response.arrayBuffer();
            if (response.ok) {
              done(null, { url: new URL(readyUrl).origin, child });
              return;
            }
          } catch {
            /* not yet */
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
  });
}

/** Stops the whole process group (a cluster's workers, gopool's daemon and master). */
export async function stopServer(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

/**
 * The pids of a process's children: from /proc/<pid>/task/<tid>/children (one list per thread
 * that forked), or, on a kernel without those files, by scanning /proc for their parent pid.
 */
export function childPids(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // exited
  }
  const out = [];
  if (existsSync(`/proc/${pid}/task/${pid}/children`)) {
    for (const tid of tids) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child.trim()) out.push(Number(child));
      } catch {
        /* the thread exited */
      }
    }
    return out;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return out;
}

function toMs(text) {
  const m = text.match(/([\d.]+)(us|ms|s)/);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

/**
 * Runs wrk; returns requests/s, p50/p99 in ms, errors, and the peak RSS of `pid`'s tree.
 * `headers` are sent with every request; `body` makes it a POST of that JSON. `cpu`: true, or
 * `{ info, headers }` for gopool (see startCpu), adds `cpu`: the tree's CPU per request
 * served, whole and by kind of thread.
 *
 * `settle` (seconds): wrk runs that much longer, on the same connections, and the CPU is read
 * over the last `seconds` only, divided by the requests of that share of the run (the run's
 * requests × seconds ÷ its whole length: if the first seconds served fewer, the figure per
 * request comes out higher, not lower). A new wrk opens all its connections at once after
 * seconds with none; every server then deoptimizes code on the connection's path (V8: "wrong
 * map") and compiles it again on its helper threads for a second or more, a transition a
 * production server with clients coming and going does not go through all at once.
 */
export async function wrk(url, { connections, seconds, threads = 1, headers = {}, body, cpu, settle = 0 }, pid) {
  const readCpu = () => startCpu(pid, cpu === true ? {} : cpu);
  // Without settle, CPU is read from before wrk starts; with it, from `settle` seconds in.
  const stopCpuAt = !cpu ? undefined : settle > 0 ? new Promise((resolve) => setTimeout(resolve, settle * 1000)).then(readCpu) : await readCpu();
  const duration = seconds + settle;
  let peak = 0;
  let peakFootprint = 0;
  const sampler = setInterval(() => {
    const memory = treeMemoryMb(pid);
    peak = Math.max(peak, memory.rssMb);
    peakFootprint = Math.max(peakFootprint, memory.footprintMb);
  }, 250);
  const child = spawn('wrk', wrkArgs(url, { connections, seconds: duration, threads, headers, body }));
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  // 'close', not 'exit': the last of wrk's output can arrive after it exited.
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const { rps, requests, p50, p99, errors, refused } = wrkFigures(out);
  const result = { rps, requests, p50, p99, errors, refused, peakRssMb: peak, peakFootprintMb: peakFootprint };
  if (stopCpuAt) {
    const stopCpu = await stopCpuAt;
    result.cpu = await stopCpu((requests * seconds) / duration);
    if (settle > 0) result.cpu.settleSeconds = settle;
  }
  return result;
}

/** wrk's arguments: `threads` (1) threads, a 10 s timeout, latency percentiles; `body` is POSTed as JSON. */
export function wrkArgs(url, { connections, seconds, threads = 1, headers = {}, body }) {
  const extra = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  if (body !== undefined) extra.push('-s', postScript(body));
  return ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '--latency', ...extra, url];
}

/** The figures of what wrk printed (NaN for one it did not print); `errors` counts non-2xx answers and socket errors. */
export function wrkFigures(out) {
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? NaN);
  // Anchored: a "+/- Stdev" column such as 75.99% also contains "99%".
  const p50 = toMs(out.match(/^\s+50%\s+(\S+)/m)?.[1] ?? '');
  const p99 = toMs(out.match(/^\s+99%\s+(\S+)/m)?.[1] ?? '');
  const errorsLine = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const errors = non2xx + (errorsLine ? errorsLine.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const refused = errorsLine ? Number(errorsLine[1]) : 0;
  return { rps, requests, p50, p99, errors, refused, non2xx };
}

/** A wrk Lua script that POSTs `body` as JSON. */
function postScript(body) {
  const file = join(tempDir('gopool-wrk-'), 'post.lua');
  writeFileSync(file, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify(body))}\nwrk.headers["Content-Type"] = "application/json"\n`);
  return file;
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

/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 on Linux). */
let clockTicks;
function ticksPerSecond() {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  return clockTicks;
}

/** utime + stime of a /proc stat line (fields 14 and 15, counted after the last ")": the name may hold any character). */
function statTicks(text) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU ticks a process tree has used so far: per process (its live threads and the ones that
 * ended) and per live thread, with the process it belongs to.
 */
function treeTicks(rootPid) {
  const processes = new Map();
  const threads = new Map();
  for (const pid of treePids(rootPid)) {
    let tids;
    try {
      processes.set(pid, statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')));
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited
    }
    for (const tid of tids) {
      try {
        threads.set(Number(tid), { pid, ticks: statTicks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')) });
      } catch {
        /* the thread ended */
      }
    }
  }
  return { processes, threads };
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** gopool's /_info lists its threads with their role and, since the request-path redesign, their Linux tid. */
async function pollThreadRoles(info, headers, roles) {
  try {
    const response = await fetch(info, { headers });
    const body = await response.json();
    for (const thread of body.threads ?? []) if (Number.isInteger(thread.tid)) roles.set(thread.tid, thread.role);
  } catch {
    /* no monitoring: its threads count as helpers */
  }
}

/** The kinds of thread a server's CPU is split into, in the order tables show them. */
export const GOPOOL_KINDS = ['accepting', 'master', 'pool', 'helper'];
export const PROCESS_KINDS = ['workers', 'helper'];

/**
 * Starts counting the CPU (user + system) that a server's process tree spends: `pid` and all
 * its descendants, every thread of each. Resolves to `stop(requests)`, which returns the CPU
 * per request in µs, for the whole tree and split by kind of thread:
 * - gopool (`info`: its monitoring URL, `--info-url /_info`): `accepting` (ingress threads),
 *   `master` (the master process's main thread: tid = the pid of the process whose command
 *   line has master/main.js), `pool` (pool threads), `helper` (everything else: V8's and
 *   libuv's threads, the daemon). /_info is read before and after the run; a tid it listed in
 *   either keeps its role. A gopool whose /_info gives no `tid` has its threads under `helper`.
 * - anything else: `workers` (each process's main thread, a cluster's primary included) and
 *   `helper` (every other thread).
 * Threads are sampled every 200 ms, so one that ends during the run keeps what it used up to
 * its last sample; what no live thread accounts for (the process's own count includes the
 * threads that ended) goes to `helper` and is also given as `ended`.
 * /proc counts in clock ticks (10 ms): measure runs of 5 s or more.
 */
export async function startCpu(pid, { info, headers } = {}) {
  const roles = new Map();
  if (info) await pollThreadRoles(info, headers, roles);
  const first = treeTicks(pid);
  const last = { processes: new Map(first.processes), threads: new Map(first.threads) };
  const sample = () => {
    const now = treeTicks(pid);
    for (const [p, ticks] of now.processes) last.processes.set(p, ticks);
    for (const [tid, thread] of now.threads) last.threads.set(tid, thread);
  };
  const timer = setInterval(sample, 200);
  const started = performance.now();
  return async (requests) => {
    clearInterval(timer);
    sample();
    const seconds = (performance.now() - started) / 1000;
    if (info) await pollThreadRoles(info, headers, roles);
    const master = info ? [...last.processes.keys()].find((p) => commandLine(p).includes('master/main.js')) : undefined;
    const kindOf = (tid, owner) => {
      if (!info) return tid === owner ? 'workers' : 'helper';
      if (tid === master) return 'master';
      const role = roles.get(tid);
      return role === 'ingress' ? 'accepting' : role === 'pool' ? 'pool' : 'helper';
    };
    const ticks = Object.fromEntries((info ? GOPOOL_KINDS : PROCESS_KINDS).map((kind) => [kind, 0]));
    let threadTicks = 0;
    for (const [tid, { pid: owner, ticks: now }] of last.threads) {
      const used = now - (first.threads.get(tid)?.ticks ?? 0);
      ticks[kindOf(tid, owner)] += used;
      threadTicks += used;
    }
    let total = 0;
    for (const [p, now] of last.processes) total += now - (first.processes.get(p) ?? 0);
    const ended = Math.max(0, total - threadTicks);
    ticks.helper += ended;
    total = Math.max(total, threadTicks);
    const us = (n) => (n * 1e6) / ticksPerSecond() / requests;
    return {
      usPerRequest: us(total),
      kinds: Object.fromEntries(Object.entries(ticks).map(([kind, n]) => [kind, us(n)])),
      endedUs: us(ended),
      cpuSeconds: total / ticksPerSecond(),
      /** Cores busy on average during the run. */
      cores: total / ticksPerSecond() / seconds,
      /** Whether gopool's /_info gave the threads' tids (accepting and pool are 0 without them). */
      rolesKnown: roles.size > 0,
    };
  };
}

/**
 * Loads the servers of `pair` in turns: a wrk on each for `seconds` × the pair's size of wall
 * time, all but the first paused (SIGSTOP) from the start, the running one swapped every
 * `slice` ms, so the machine's drift over seconds falls on all alike. Each server tree's CPU is
 * counted from before its wrk starts to after it ends (idle, a server spends next to nothing,
 * counted all the same) and divided by the requests its wrk counted. Latency means nothing
 * here: a paused wrk's requests in flight wait out the pause. `info`: a gopool server, whose
 * CPU is split by kind of thread (startCpu).
 */
export async function loadInTurns(pair, path, { connections, seconds, slice = 250, headers = {}, body }) {
  const stops = [];
  for (const { url, child, info } of pair) stops.push(await startCpu(child.pid, info ? { info: `${url}/_info`, headers } : {}));
  const runs = pair.map(({ url }) => {
    const child = spawn('wrk', wrkArgs(`${url}${path}`, { connections, seconds: seconds * pair.length, headers, body }));
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    return { child, output: new Promise((resolve) => child.on('close', (code, signal) => resolve(out || `exit ${code} ${signal} ${err}`))) };
  });
  for (const run of runs.slice(1)) run.child.kill('SIGSTOP');
  let ended = false;
  void Promise.race(runs.map((run) => run.output)).then(() => {
    ended = true;
  });
  let current = 0;
  while (!ended) {
    await new Promise((resolve) => setTimeout(resolve, slice));
    if (ended) break;
    runs[current].child.kill('SIGSTOP');
    current = (current + 1) % runs.length;
    runs[current].child.kill('SIGCONT');
  }
  for (const run of runs) run.child.kill('SIGCONT');
  const outputs = await Promise.all(runs.map((run) => run.output));
  const measured = [];
  for (const [i, out] of outputs.entries()) {
    const { requests, non2xx } = wrkFigures(out);
    if (!(requests > 0) || non2xx > 0) throw new Error(`wrk on ${pair[i].url}${path}: ${out || 'no output'}`);
    measured.push({ requests, ...(await stops[i](requests)) });
  }
  return measured;
}

/**
 * One round of a fresh pair: starts each server (`starts`: functions resolving to startServer's
 * `{ url, child }`, an `info: true` among them for a gopool), loads each for `warmup` seconds in
 * turns of 5 s (JIT, pools), then loads them in turns (loadInTurns) and stops them all. Two
 * starts of one server can settle a few percent apart for as long as they run (what V8
 * compiled, where things landed in memory): a fresh pair every round puts the starts in the median.
 */
export async function freshPairInTurns(starts, path, { warmup, ...options }) {
  const live = [];
  try {
    for (const start of starts) live.push(await start());
    for (let warmed = 0; warmed < warmup; warmed += 5)
      for (const { url, child } of live)
        await wrk(`${url}${path}`, { connections: options.connections, seconds: 5, headers: options.headers, body: options.body }, child.pid);
    return await loadInTurns(live, path, options);
  } finally {
    for (const { child } of live) await stopServer(child);
  }
}

/**
 * Memory of a process tree, two ways:
 * - rssMb: RSS summed over the processes. It counts the pages of files they share (the node
 *   binary, libraries) once per process, so several processes look bigger than they are.
 * - footprintMb: what the tree would take of a machine it ran on alone: every process's own
 *   memory, plus each file's resident pages once (the most any of its processes has of it).
 *   Unlike PSS, it does not depend on what else runs on the machine (other node processes
 *   share the binary's pages and would lower every server's PSS by different amounts).
 */
export function treeMemoryMb(pid) {
  let rss = 0;
  let own = 0;
  const files = new Map();
  for (const p of treePids(pid)) {
    let smaps;
    try {
      smaps = readFileSync(`/proc/${p}/smaps`, 'utf8');
    } catch {
      continue;
    } // exited
    const perFile = new Map();
    let path = '';
    for (const line of smaps.split('\n')) {
      const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/);
      if (header) {
        path = header[1];
        continue;
      }
      if (!line.startsWith('Rss:')) continue;
      const kb = Number(line.slice(4).trim().split(' ')[0]);
      rss += kb;
      if (path.startsWith('/') && !path.endsWith('(deleted)')) perFile.set(path, (perFile.get(path) ?? 0) + kb);
      else own += kb;
    }
    for (const [file, kb] of perFile) files.set(file, Math.max(files.get(file) ?? 0, kb));
  }
  let shared = 0;
  for (const kb of files.values()) shared += kb;
  return { rssMb: rss / 1024, footprintMb: (own + shared) / 1024 };
}

/** PSS summed over a process tree: shared pages split among the processes that map them (what the machine spends). */
export function treePssMb(pid) {
  let kb = 0;
  for (const p of treePids(pid)) {
    try {
      kb += Number(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

/** One process's memory: RSS, and its own part (anonymous pages: heap, stacks, buffers). */
export function processMemoryMb(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key) => Number(rollup.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { rssMb: kb('Rss') / 1024, ownMb: kb('Anonymous') / 1024 };
}

/** A throw-away GOPOOL_HOME for one gopool server (its control socket, logs): removed when the bench exits. */
export function gopoolHome() {
  return tempDir('gopool-bench-');
}

/** Every throw-away directory made so far, one exit listener removing them all. */
const tempDirs = new Set();

/** A new directory in the system's temporary one, named `prefix` and a random tail: removed when the bench exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (tempDirs.size === 0)
    process.once('exit', () => {
      for (const made of tempDirs) rmSync(made, { recursive: true, force: true });
    });
  tempDirs.add(dir);
  return dir;
}

/** A TCP port free right now on 127.0.0.1, for servers that cannot be given port 0. */
export function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Writes a run's figures to bench/results/<name>.json, which `FROM=` renders the tables from again. */
export function saveResults(name, data) {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
}

/** Replaces the table between `<!-- name:start -->` and `<!-- name:end -->` in bench/README.md. */
export function writeMarkerBlock(name, table) {
  const file = join(import.meta.dirname, 'README.md');
  const text = readFileSync(file, 'utf8');
  const block = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
  if (!block.test(text)) throw new Error(`bench/README.md has no ${name} markers`);
  writeFileSync(
    file,
    text.replace(block, (_, start, end) => `${start}${table}${end}`),
  );
}

/** valgrind (Debian package), installed when missing: it counts the instructions a request costs. */
export function ensureValgrind() {
  if (spawnSync('valgrind', ['--version']).status === 0) return;
  console.log('installing valgrind (Debian package) to count instructions per request');
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (apt(['update', '-qq']).status !== 0 || apt(['install', '-y', '-qq', 'valgrind']).status !== 0) throw new Error('could not install valgrind');
}

/** Sends exactly `n` requests on `connections` kept-alive connections; an answer other than 200 rejects. */
export async function sendRequests(url, n, { connections = 10, headers = {}, body } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const options = {
    agent,
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
  };
  let sent = 0;
  let done = 0;
  try {
    await new Promise((resolve, reject) => {
      const one = () => {
        if (sent >= n) return;
        sent++;
        const req = http.request(url, options, (res) => {
          if (res.statusCode !== 200) reject(new Error(`${url}: status ${res.statusCode}`));
          res.resume();
          res.on('end', () => (++done === n ? resolve() : one()));
        });
        req.on('error', reject);
        req.end(body);
      };
      for (let i = 0; i < connections; i++) one();
    });
  } finally {
    agent.destroy();
  }
}

/**
 * A server run under valgrind's callgrind, instrumented only while it serves counted requests.
 * `perRequest(url, n, requestOptions)`: the instructions it ran per request over `n` requests,
 * less what it ran in as long again without requests (what runs by the clock: valgrind runs the
 * server tens of times slower, so the clock's share would otherwise count tens of times over),
 * and that idle rate per second. `mainThread`: count the main thread alone, leaving out V8's
 * helper threads, which compile and collect garbage on their own schedule.
 */
export async function startUnderCallgrind(args, env, { mainThread = false } = {}) {
  const dir = tempDir('gopool-bench-cg-');
  const tool = ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, 'cg.%p')}`];
  if (mainThread) tool.push('--separate-threads=yes');
  // Node starts slowly under valgrind.
  const { url, child } = await startServer('valgrind', [...tool, process.execPath, ...args], env, { timeoutMs: 300_000 });
  const control = (flag) => spawnSync('callgrind_control', [flag, String(child.pid)], { stdio: 'ignore' });
  /** The totals of the last dump: one file per dump (cg.<pid>.<dump>), or per dump and thread (…-<thread>; 01 is the main one). */
  const lastTotal = () => {
    const dumps = readdirSync(dir)
      .map((file) => (mainThread ? /^cg\.\d+\.(\d+)-01$/ : /^cg\.\d+\.(\d+)$/).exec(file))
      .filter((match) => match !== null)
      .sort((a, b) => Number(b[1]) - Number(a[1]));
    if (dumps.length === 0) throw new Error(`callgrind wrote no dump in ${dir}`);
    const total = /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, dumps[0].input), 'utf8'))?.[1];
    if (total === undefined) throw new Error(`no totals in ${join(dir, dumps[0].input)}`);
    return Number(total);
  };
  const counted = async (during) => {
    control('--zero');
    control('--instr=on');
    await during();
    control('--dump');
    control('--instr=off');
    return lastTotal();
  };
  return {
    url,
    child,
    async perRequest(path, n, requestOptions) {
      const started = performance.now();
      const loaded = await counted(() => sendRequests(`${url}${path}`, n, requestOptions));
      const ms = performance.now() - started;
      const idle = await counted(() => new Promise((resolve) => setTimeout(resolve, ms)));
      return { perRequest: (loaded - idle) / n, idlePerSecond: (idle * 1000) / ms };
    },
  };
}
