#!/usr/bin/env node
// What this 2-core machine can and cannot show, measured per unit and projected to more cores:
// - CPU: the master's CPU per request on fib(30) (the only work gopool adds to a request that
//   a cluster worker does not do), against what fib itself costs on a pool thread;
// - memory: what one more worker costs, a node cluster process against a gopool thread,
//   measured under load as the growth of anonymous memory (heap, stacks, buffers).
// The projection multiplies these by N cores; it assumes, as both designs do, one worker per
// core and a load generator elsewhere.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds, ensureWrk, freePort, gopoolHome, median, processMemoryMb, startServer, stopServer, treePids, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CORES = Number(process.env.CORES ?? 10);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS and anonymous (private, not file-backed) memory of one process, MB. */
function processMemory(pid) {
  const { rssMb, ownMb } = processMemoryMb(pid);
  return { rss: rssMb, anon: ownMb };
}

/** CPU seconds of each OS thread of a process, by thread id. */
function threadCpu(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Peak RSS and anonymous memory per process of a tree while `during` runs. */
async function peakPerProcess(rootPid, during) {
  const peaks = new Map();
  const sample = () => {
    for (const pid of treePids(rootPid)) {
      try {
        const m = processMemory(pid);
        const p = peaks.get(pid) ?? { rss: 0, anon: 0 };
        peaks.set(pid, { rss: Math.max(p.rss, m.rss), anon: Math.max(p.anon, m.anon) });
      } catch {
        /* exited */
      }
    }
  };
  const timer = setInterval(sample, 250);
  const result = await during();
  clearInterval(timer);
  sample();
  return { result, peaks };
}

/**
 * One round: gopool and a node cluster run side by side; each measurement alternates between
 * them, because this machine's speed drifts by 20% over a minute (CPU per fib(30) request
 * measured 8.1 to 11.2 ms for the same server in runs a minute apart).
 */
async function round() {
  const gopool = await startServer(
    process.execPath,
    [join(root, 'dist/cli/main.js'), 'start', join(root, 'bench/apps/gopool-app.js'), '--port', '0', '--info-url', '/_info'],
    { GOPOOL_HOME: gopoolHome() },
  );
  const cluster = await startServer(process.execPath, [join(root, 'bench/apps/node-cluster.js')], { PORT: String(await freePort()), WORKERS: '2' });
  const [daemon, master] = treePids(gopool.child.pid);
  const [primary, ...workers] = treePids(cluster.child.pid);
  await sleep(17_000); // the thread gopool starts at boot retires: the idle baseline
  const idle = { daemon: processMemory(daemon), master: processMemory(master) };
  const threads = async () => (await (await fetch(`${gopool.url}/_info`)).json()).threads.filter((t) => t.state === 'ready').length;
  const worst = (peaks) =>
    workers.reduce((m, w) => ({ rss: Math.max(m.rss, peaks.get(w).rss), anon: Math.max(m.anon, peaks.get(w).anon) }), { rss: 0, anon: 0 });

  // hello: gopool's ingress threads, the cluster's workers.
  for (const server of [gopool, cluster]) await wrk(`${server.url}/hello`, { connections: 50, seconds: 3 }, server.child.pid);
  const gHello = await peakPerProcess(gopool.child.pid, async () => {
    await wrk(`${gopool.url}/hello`, { connections: 50, seconds: 5 }, gopool.child.pid);
    return threads();
  });
  const cHello = await peakPerProcess(cluster.child.pid, () => wrk(`${cluster.url}/hello`, { connections: 50, seconds: 5 }, cluster.child.pid));

  // fib: gopool's pool threads run it, its master thread (tid = pid) does HTTP and dispatch.
  for (const server of [gopool, cluster]) await wrk(`${server.url}/fib/30`, { connections: 8, seconds: 2 }, server.child.pid);
  const gCpu = [];
  const mCpu = [];
  const cCpu = [];
  let gFib;
  let cFib;
  for (let i = 0; i < 3; i++) {
    const mainBefore = threadCpu(master).get(master) ?? 0;
    const gBefore = cpuSeconds(daemon) + cpuSeconds(master);
    gFib = await peakPerProcess(gopool.child.pid, async () => {
      const r = await wrk(`${gopool.url}/fib/30`, { connections: 8, seconds: 4 }, gopool.child.pid);
      gCpu.push(((cpuSeconds(daemon) + cpuSeconds(master) - gBefore) * 1000) / r.requests);
      mCpu.push((((threadCpu(master).get(master) ?? 0) - mainBefore) * 1e6) / r.requests);
      return threads();
    });
    const cTree = () => [primary, ...workers].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cBefore = cTree();
    cFib = await peakPerProcess(cluster.child.pid, async () => {
      const r = await wrk(`${cluster.url}/fib/30`, { connections: 8, seconds: 4 }, cluster.child.pid);
      cCpu.push(((cTree() - cBefore) * 1000) / r.requests);
    });
  }
  await stopServer(gopool.child);
  await stopServer(cluster.child);
  return {
    gopool: {
      idle,
      masterUsPerFib: median(mCpu),
      totalMsPerFib: median(gCpu),
      // Growth of the master's anonymous memory per running thread, under each load.
      perThreadMb: {
        hello: (gHello.peaks.get(master).anon - idle.master.anon) / Math.max(1, gHello.result),
        fib: (gFib.peaks.get(master).anon - idle.master.anon) / Math.max(1, gFib.result),
      },
    },
    cluster: {
      primary: cFib.peaks.get(primary),
      worker: { fib: worst(cFib.peaks), hello: worst(cHello.peaks) },
      totalMsPerFib: median(cCpu),
    },
  };
}

ensureWrk();
const g = [];
const c = [];
for (let n = 1; n <= ROUNDS; n++) {
  const r = await round();
  g.push(r.gopool);
  c.push(r.cluster);
  console.log(
    `round ${n}: CPU per fib: gopool ${g.at(-1).totalMsPerFib.toFixed(2)} ms (master thread ${g.at(-1).masterUsPerFib.toFixed(0)} µs), cluster ${c.at(-1).totalMsPerFib.toFixed(2)} ms; per thread ${g.at(-1).perThreadMb.hello.toFixed(1)} (hello) / ${g.at(-1).perThreadMb.fib.toFixed(1)} (fib) MB; cluster worker anon ${c.at(-1).worker.hello.anon.toFixed(1)} / ${c.at(-1).worker.fib.anon.toFixed(1)} MB`,
  );
}
const m = (list, pick) => median(list.map(pick));
const measured = {
  masterUsPerFib: m(g, (x) => x.masterUsPerFib),
  gopoolMsPerFib: m(g, (x) => x.totalMsPerFib),
  clusterMsPerFib: m(c, (x) => x.totalMsPerFib),
  gopoolThreadMb: { hello: m(g, (x) => x.perThreadMb.hello), fib: m(g, (x) => x.perThreadMb.fib) },
  gopoolIdle: {
    daemonRss: m(g, (x) => x.idle.daemon.rss),
    daemonAnon: m(g, (x) => x.idle.daemon.anon),
    masterRss: m(g, (x) => x.idle.master.rss),
    masterAnon: m(g, (x) => x.idle.master.anon),
  },
  clusterPrimary: { rss: m(c, (x) => x.primary.rss), anon: m(c, (x) => x.primary.anon) },
  clusterWorker: {
    hello: { rss: m(c, (x) => x.worker.hello.rss), anon: m(c, (x) => x.worker.hello.anon) },
    fib: { rss: m(c, (x) => x.worker.fib.rss), anon: m(c, (x) => x.worker.fib.anon) },
  },
};

// ---- projection to N cores -------------------------------------------------------------------
// fib is CPU-bound for both: N cores give N × 1000 / (CPU ms per request) requests/s, as long
// as gopool's master, one thread, keeps up: it saturates at 1e6 / masterUs requests/s.
const masterFeeds = (measured.gopoolMsPerFib * 1000) / measured.masterUsPerFib;
function fibRatio(n) {
  const gopool = Math.min((n * 1000) / measured.gopoolMsPerFib, 1e6 / measured.masterUsPerFib);
  return gopool / ((n * 1000) / measured.clusterMsPerFib);
}
// memory under one kind of load: N workers; file-backed pages (the node binary) are what RSS
// counts once per process: gopool has 2 processes, a cluster N + 1.
// 'both': N ingress and N pool threads alive at once (a mixed load, or up to idleTimeout after
// the load changed kind), against cluster workers at their larger size.
function memory(n, load) {
  const perThread = load === 'both' ? measured.gopoolThreadMb.hello + measured.gopoolThreadMb.fib : measured.gopoolThreadMb[load];
  const fileG = measured.gopoolIdle.masterRss - measured.gopoolIdle.masterAnon;
  const gopoolAnon = measured.gopoolIdle.daemonAnon + measured.gopoolIdle.masterAnon + n * perThread;
  const worker = load === 'both' ? measured.clusterWorker.hello : measured.clusterWorker[load];
  const fileC = worker.rss - worker.anon;
  const clusterAnon = measured.clusterPrimary.anon + n * worker.anon;
  return {
    rss: (measured.gopoolIdle.daemonRss + measured.gopoolIdle.masterRss + n * perThread) / (measured.clusterPrimary.rss + n * worker.rss),
    footprint: (fileG + gopoolAnon) / (fileC + clusterAnon),
  };
}
const projection = Object.fromEntries(
  [2, CORES].map((n) => [n, { fib: fibRatio(n), hello: memory(n, 'hello'), fibMemory: memory(n, 'fib'), both: memory(n, 'both') }]),
);
writeFileSync(
  join(root, 'bench/results/projection.json'),
  `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), rounds: ROUNDS, measured, projection }, null, 2)}\n`,
);

const f = (x, d = 1) => x.toFixed(d);
const lines = [
  `| measured (median of ${ROUNDS}) | value |`,
  '|---|---|',
  `| CPU per fib(30) request, every process and thread: gopool / node cluster | ${f(measured.gopoolMsPerFib, 2)} / ${f(measured.clusterMsPerFib, 2)} ms |`,
  `| of it on gopool's master thread (HTTP, dispatch, metrics) | ${f(measured.masterUsPerFib, 0)} µs |`,
  `| gopool: memory one more thread adds under load (hello / fib) | ${f(measured.gopoolThreadMb.hello)} / ${f(measured.gopoolThreadMb.fib)} MB |`,
  `| node cluster: one worker under load, own memory (hello / fib) | ${f(measured.clusterWorker.hello.anon)} / ${f(measured.clusterWorker.fib.anon)} MB |`,
  `| node cluster: one worker under load, RSS (hello / fib) | ${f(measured.clusterWorker.hello.rss)} / ${f(measured.clusterWorker.fib.rss)} MB |`,
  `| gopool idle: daemon + master RSS (own memory) | ${f(measured.gopoolIdle.daemonRss + measured.gopoolIdle.masterRss)} (${f(measured.gopoolIdle.daemonAnon + measured.gopoolIdle.masterAnon)}) MB |`,
  '',
  `| gopool ÷ node cluster, one worker per core | 2 cores | ${CORES} cores |`,
  '|---|---|---|',
  `| fib(30) requests/s (the master thread keeps up with ${f(masterFeeds, 0)} busy cores) | ${f(projection[2].fib, 2)}× | ${f(projection[CORES].fib, 2)}× |`,
  `| memory under hello load, RSS summed | ${f(projection[2].hello.rss, 2)}× | ${f(projection[CORES].hello.rss, 2)}× |`,
  `| memory under hello load, footprint | ${f(projection[2].hello.footprint, 2)}× | ${f(projection[CORES].hello.footprint, 2)}× |`,
  `| memory under fib load, RSS summed | ${f(projection[2].fibMemory.rss, 2)}× | ${f(projection[CORES].fibMemory.rss, 2)}× |`,
  `| memory under fib load, footprint | ${f(projection[2].fibMemory.footprint, 2)}× | ${f(projection[CORES].fibMemory.footprint, 2)}× |`,
  `| memory, ingress and pool threads all alive, RSS summed | ${f(projection[2].both.rss, 2)}× | ${f(projection[CORES].both.rss, 2)}× |`,
  `| memory, ingress and pool threads all alive, footprint | ${f(projection[2].both.footprint, 2)}× | ${f(projection[CORES].both.footprint, 2)}× |`,
];
console.log(lines.join('\n'));
const readmePath = join(root, 'bench', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const block = `<!-- projection:start -->\n${lines.join('\n')}\n<!-- projection:end -->`;
if (readme.includes('<!-- projection:start -->')) {
  writeFileSync(readmePath, readme.replace(/<!-- projection:start -->[\s\S]*?<!-- projection:end -->/, block));
  console.log('wrote bench/results/projection.json and the table in bench/README.md');
}
