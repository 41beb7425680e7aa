#!/usr/bin/env node
// Placement on real work, side by side with node cluster, ROUNDS rounds, medians:
//   - chunked CPU (bcryptjs, cost 8) on 4 connections, hello measured beside it on 10;
//   - fib(30) with 1×, 4× and 8× as many threads as CPUs (gopool: --max-threads N
//     --ingress-threads N; cluster: N workers), 2N connections;
//   - memory at N = 16 (no cores needed to measure memory): gopool planning for 16 CPUs
//     (--cpus 16) against a 16-worker cluster, idle (after idle-timeout) and under fib load,
//     RSS summed and PSS (shared pages counted once in total).
// Writes bench/results/scale.json and the table in bench/README.md between its markers.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  ensureWrk,
  freePort,
  gopoolHome,
  installPeers,
  median,
  saveResults,
  startServer,
  stopServer,
  treeMemoryMb,
  treePssMb,
  writeMarkerBlock,
  wrk,
} from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const IDLE_WAIT_MS = Number(process.env.IDLE_WAIT_MS ?? 17_000);
const CPUS = availableParallelism();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const app = (file) => join(root, 'bench', 'apps', file);
const gopool =
  (...flags) =>
  () =>
    startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app('gopool-app.js'), '--port', '0', ...flags], {
      GOPOOL_HOME: gopoolHome(),
    });
const cluster = (workers) => async () => startServer(process.execPath, [app('node-cluster.js')], { PORT: String(await freePort()), WORKERS: String(workers) });

/** FROM=bench/results/scale.json: no measuring, the tables again from a saved run. */
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const results = saved?.results ?? { hash: {}, threads: {}, memory: {} };
/** When each part was measured (a run of some PARTS keeps the other parts of the last saved run). */
const dates = saved?.dates ?? {};
if (!saved) {
  ensureWrk();
  installPeers(root);
}
/** PARTS=hash,threads,memory (default all): a part of the benchmark alone. */
const PARTS = new Set(
  (
    process.env.PARTS ??
    (saved
      ? Object.keys(results)
          .filter((k) => Object.keys(results[k]).length > 0)
          .join(',')
      : 'hash,threads,memory')
  ).split(','),
);
const RESULTS_FILE = join(root, 'bench', 'results', 'scale.json');
const previous = !saved && process.env.PARTS && existsSync(RESULTS_FILE) ? JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) : undefined;
const now = new Date().toISOString();
if (!saved)
  for (const part of Object.keys(results)) {
    if (PARTS.has(part)) dates[part] = now;
    else if (previous?.results?.[part] && Object.keys(previous.results[part]).length > 0) {
      results[part] = previous.results[part];
      dates[part] = previous.dates?.[part] ?? previous.date;
    }
  }
const shown = (part) => Object.keys(results[part]).length > 0;
/** A part measured on another day than the run's says so. */
const measured = (part) => {
  const date = dates[part]?.slice(0, 10);
  return date && date !== (saved?.date ?? now).slice(0, 10) ? ` (measured ${date})` : '';
};
const push = (group, name, value) => (results[group][name] ??= []).push(value);

for (let round = 1; round <= (saved ? 0 : ROUNDS); round++) {
  // 1. Chunked CPU beside hello.
  if (PARTS.has('hash'))
    for (const [name, start] of [
      ['gopool', gopool()],
      [`node cluster (${CPUS} workers)`, cluster(CPUS)],
    ]) {
      const { url, child } = await start();
      try {
        await wrk(`${url}/hello`, { connections: 20, seconds: 2 }, child.pid);
        await wrk(`${url}/hash`, { connections: 4, seconds: 2 }, child.pid);
        const hashing = wrk(`${url}/hash`, { connections: 4, seconds: SECONDS + 2 }, child.pid);
        await sleep(1000);
        const hello = await wrk(`${url}/hello`, { connections: 10, seconds: SECONDS }, child.pid);
        const hash = await hashing;
        push('hash', name, { hello, hash });
        console.log(
          `round ${round} hash + hello, ${name}: hello ${hello.rps.toFixed(0)} req/s p50 ${hello.p50.toFixed(2)} p99 ${hello.p99.toFixed(2)} ms | hash ${hash.rps.toFixed(0)} req/s`,
        );
      } finally {
        await stopServer(child);
      }
    }
  // 2. More threads than cores.
  if (PARTS.has('threads'))
    for (const factor of [1, 4, 8]) {
      const n = CPUS * factor;
      for (const [name, start] of [
        [`gopool ${factor}× (${n} threads)`, factor === 1 ? gopool() : gopool('--max-threads', String(n), '--ingress-threads', String(n))],
        [`node cluster ${factor}× (${n} workers)`, cluster(n)],
      ]) {
        const { url, child } = await start();
        try {
          await wrk(`${url}/fib/30`, { connections: 2 * n, seconds: 2 }, child.pid);
          const fib = await wrk(`${url}/fib/30`, { connections: 2 * n, seconds: SECONDS }, child.pid);
          push('threads', name, fib);
          console.log(`round ${round} fib(30), ${name}: ${fib.rps.toFixed(0)} req/s p50 ${fib.p50.toFixed(0)} p99 ${fib.p99.toFixed(0)} ms`);
        } finally {
          await stopServer(child);
        }
      }
    }
  // 3. Memory at N = 16.
  if (PARTS.has('memory'))
    for (const [name, start] of [
      ['gopool planning for 16 CPUs', gopool('--cpus', '16', ...(process.env.GOPOOL_FLAGS ?? '').split(' ').filter(Boolean))],
      ['node cluster (16 workers)', cluster(16)],
    ]) {
      const { url, child } = await start();
      try {
        await sleep(IDLE_WAIT_MS);
        const idle = { rssMb: treeMemoryMb(child.pid).rssMb, pssMb: treePssMb(child.pid) };
        let peak = { rssMb: 0, pssMb: 0 };
        const sampler = setInterval(() => {
          const now = { rssMb: treeMemoryMb(child.pid).rssMb, pssMb: treePssMb(child.pid) };
          peak = { rssMb: Math.max(peak.rssMb, now.rssMb), pssMb: Math.max(peak.pssMb, now.pssMb) };
        }, 500);
        await wrk(`${url}/fib/30`, { connections: 32, seconds: SECONDS + 3 }, child.pid);
        await wrk(`${url}/hello`, { connections: 50, seconds: SECONDS }, child.pid);
        clearInterval(sampler);
        push('memory', name, { idle, load: peak });
        console.log(
          `round ${round} memory, ${name}: idle ${idle.rssMb.toFixed(0)} MB RSS / ${idle.pssMb.toFixed(0)} MB PSS | under fib then hello load ${peak.rssMb.toFixed(0)} / ${peak.pssMb.toFixed(0)} MB`,
        );
      } finally {
        await stopServer(child);
      }
    }
}

const med = (values, pick) => median(values.map(pick));
/**
 * a ÷ b: the median of the ratios within each round, not the ratio of the medians. The machine's
 * speed drifts between rounds (a noisy 2-core VM); each round measures both side by side.
 */
const ratio = (a, b, pick) => median(a.map((run, i) => pick(run) / pick(b[i])));
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const rows = [];
rows.push(
  `Machine: ${CPUS} CPUs; wrk on 127.0.0.1, ${SECONDS} s per measurement, median of ${saved?.rounds ?? ROUNDS} rounds (\`node bench/scale.mjs\`, ${(saved?.date ?? new Date().toISOString()).slice(0, 10)}, Node ${saved?.node ?? process.version}).`,
  '',
);
if (shown('hash')) {
  rows.push(
    `**Chunked CPU beside hello** (4 connections hashing with bcryptjs, 10 measuring hello)${measured('hash')}:`,
    '',
    '| server | hello req/s | hello p50 / p99 ms | hash req/s |',
    '|---|---|---|---|',
  );
  for (const [name, runs] of Object.entries(results.hash))
    rows.push(
      `| ${name} | ${fmt(med(runs, (r) => r.hello.rps))} | ${fmt(
        med(runs, (r) => r.hello.p50),
        2,
      )} / ${fmt(
        med(runs, (r) => r.hello.p99),
        2,
      )} | ${fmt(med(runs, (r) => r.hash.rps))} |`,
    );
  rows.push('');
}
if (shown('threads')) {
  rows.push(
    `**fib(30) with more threads than CPUs** (2 connections per thread or worker)${measured('threads')}:`,
    '',
    '| server | req/s | × its 1× | × cluster alike | p50 / p99 ms |',
    '|---|---|---|---|---|',
  );
  const runs = results.threads;
  const threads = Object.fromEntries(
    Object.entries(runs).map(([name, r]) => [name, { rps: med(r, (x) => x.rps), p50: med(r, (x) => x.p50), p99: med(r, (x) => x.p99) }]),
  );
  const rps = (x) => x.rps;
  for (const factor of [1, 4, 8]) {
    const n = CPUS * factor;
    const gName = `gopool ${factor}× (${n} threads)`;
    const cName = `node cluster ${factor}× (${n} workers)`;
    const g = threads[gName];
    const c = threads[cName];
    rows.push(
      `| ${gName} | ${fmt(g.rps)} | ${fmt(ratio(runs[gName], runs[`gopool 1× (${CPUS} threads)`], rps), 2)}× | ${fmt(ratio(runs[gName], runs[cName], rps), 2)}× | ${fmt(g.p50)} / ${fmt(g.p99)} |`,
    );
    rows.push(
      `| ${cName} | ${fmt(c.rps)} | ${fmt(ratio(runs[cName], runs[`node cluster 1× (${CPUS} workers)`], rps), 2)}× | 1.00× | ${fmt(c.p50)} / ${fmt(c.p99)} |`,
    );
  }
  rows.push('');
}
if (shown('memory')) {
  rows.push(
    `**Memory at N = 16** (gopool \`--cpus 16\`, cluster 16 workers; idle after idle-timeout, then the peak under fib(30) on 32 connections and hello on 50)${measured('memory')}:`,
    '',
    '| server | idle RSS / PSS MB | under load RSS / PSS MB |',
    '|---|---|---|',
  );
  const memory = Object.fromEntries(
    Object.entries(results.memory).map(([name, runs]) => [
      name,
      {
        idleRss: med(runs, (r) => r.idle.rssMb),
        idlePss: med(runs, (r) => r.idle.pssMb),
        loadRss: med(runs, (r) => r.load.rssMb),
        loadPss: med(runs, (r) => r.load.pssMb),
      },
    ]),
  );
  for (const [name, m] of Object.entries(memory)) rows.push(`| ${name} | ${fmt(m.idleRss)} / ${fmt(m.idlePss)} | ${fmt(m.loadRss)} / ${fmt(m.loadPss)} |`);
  const [g16, c16] = Object.values(results.memory);
  const share = (pick) => fmt(ratio(g16, c16, pick), 2);
  rows.push(
    '',
    `gopool ÷ cluster at N = 16 (median of the rounds' ratios): idle RSS ${share((r) => r.idle.rssMb)}×, idle PSS ${share((r) => r.idle.pssMb)}×, under load RSS ${share((r) => r.load.rssMb)}×, under load PSS ${share((r) => r.load.pssMb)}×.`,
  );
}
const table = rows.join('\n');
console.log(`\n${table}`);
if (!saved) saveResults('scale', { date: now, node: process.version, cpus: CPUS, rounds: ROUNDS, results, dates });
writeMarkerBlock('scale', table);
