#!/usr/bin/env node
// The benchmark suite: the original's scenarios (idle memory, a JSON hello, one PostgreSQL
// query per request, fib(30) per request, and a mixed load: hello while fib saturates),
// gopool against single-process fastify, node cluster and pm2 (one worker per CPU), and the
// original's design (fastify + piscina), side by side in one run; then Platformatic Watt
// against gopool on the Node that Watt needs, each with its metrics on (the default) and off.
// Every server's CPU per request (its whole process tree; gopool's split by kind of thread:
// lib.mjs startCpu) on hello, db and fib. ROUNDS rounds, medians; the CPU ratios and the
// targets are the median of each round's own ratios. Writes bench/results/suite.json,
// bench/results/suite.svg and the benchmark tables of bench/README.md (between its
// bench:start/end markers); FROM=<a saved suite.json> writes them again from a saved run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { nodeBinary } from '../scripts/node-versions.mjs';
import {
  ensureWrk,
  freePort,
  GOPOOL_KINDS,
  gopoolHome,
  installPeers,
  median,
  PROCESS_KINDS,
  processMemoryMb,
  startServer,
  stopServer,
  tempDir,
  treeMemoryMb,
  wrk,
} from './lib.mjs';
import { startPostgres } from './postgres.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
/** When the runs were made (a re-render keeps its run's date). */
let runDate = new Date().toISOString();
/**
 * Seconds of load on each scenario's route before it is measured, the same for every server:
 * a server's JIT reaches its steady state on a route after several seconds of it (gopool's
 * later than a cluster's: it compiles the request path on more threads, bench/README.md), and
 * a server runs for hours, not for the first seconds of each route.
 */
const WARMUP = Number(process.env.WARMUP ?? 5);
/** gopool's threads retire after idle-timeout (15 s): idle memory is measured after it. */
const IDLE_WAIT_MS = Number(process.env.IDLE_WAIT_MS ?? 17_000);
const CPUS = availableParallelism();
/** Platformatic Watt needs Node >= 22.19. */
const WATT_NODE_MAJOR = 24;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const app = (file) => join(root, 'bench', 'apps', file);
const peers = join(root, 'bench', 'node_modules');

// ---- set-up: the peers (pm2, Watt, pg), PostgreSQL, Node for Watt ------------------------
// FROM=bench/results/suite.json renders the tables of a saved run again, measuring nothing.
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
if (saved) runDate = saved.date;
if (!saved) {
  ensureWrk();
  installPeers(root);
}
const wattNode = saved ? '' : nodeBinary(WATT_NODE_MAJOR);
const wattNodeVersion = saved ? saved.nodes[1] : spawnSync(wattNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
const database = saved ? undefined : await startPostgres(await freePort());
process.on('exit', () => database?.stop());
// Every server gets the same budget of database connections in all: 10 per cluster or pm2
// worker (and per single fastify), PG_BUDGET for gopool's one process (its threads share it).
const env = { DATABASE_URL: database?.url, PG_POOL_MAX: '10', PG_BUDGET: String(10 * CPUS) };

const FASTIFY = 'fastify (1 process)';
const CLUSTER = `node cluster (${CPUS} workers)`;
const PM2 = `pm2 cluster (${CPUS} workers)`;
const PISCINA = 'fastify + piscina (the original design)';
const GOPOOL = 'gopool';
const WATT = `Watt (${CPUS} workers, metrics on)`;
const WATT_OFF = `Watt (${CPUS} workers, metrics off)`;
const GOPOOL_ON = 'gopool (metrics on)';
const GOPOOL_OFF = 'gopool (metrics off)';
const GOPOOLS = new Set([GOPOOL, GOPOOL_ON, GOPOOL_OFF]);
/** gopool's monitoring JSON: its threads' roles and tids, for the CPU split by kind of thread. */
const INFO = '/_info';

/** Group 1 runs on this machine's Node; group 2 on the Node Watt needs. */
const groups = [
  {
    node: saved?.nodes[0] ?? process.version,
    servers: {
      [FASTIFY]: () => startServer(process.execPath, [app('fastify-single.js')], { ...env, PORT: '0' }),
      [CLUSTER]: async () => startServer(process.execPath, [app('node-cluster.js')], { ...env, PORT: String(await freePort()) }),
      [PM2]: async () => {
        const port = await freePort();
        return startServer(
          process.execPath,
          [join(peers, 'pm2', 'bin', 'pm2-runtime'), 'start', app('fastify-single.js'), '-i', String(CPUS)],
          { ...env, PORT: String(port), PM2_HOME: tempDir('gopool-bench-pm2-') },
          { readyUrl: `http://127.0.0.1:${port}/hello` },
        );
      },
      [PISCINA]: () => startServer(process.execPath, [app('fastify-piscina.js')], { ...env, PORT: '0' }),
      [GOPOOL]: () =>
        startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app('gopool-app.js'), '--port', '0', '--info-url', INFO], {
          ...env,
          GOPOOL_HOME: gopoolHome(),
        }),
    },
  },
  {
    node: wattNodeVersion,
    servers: Object.fromEntries(
      [
        [WATT, 'watt.json'],
        [WATT_OFF, 'watt-no-metrics.json'],
      ]
        .map(([name, config]) => [
          name,
          async () => {
            const port = await freePort();
            return startServer(
              wattNode,
              [join(peers, 'wattpm', 'bin', 'cli.js'), 'start', '--config', config],
              { ...env, PORT: String(port), WATT_WORKERS: String(CPUS) },
              { readyUrl: `http://127.0.0.1:${port}/hello`, cwd: app('watt') },
            );
          },
        ])
        .concat(
          [
            [GOPOOL_ON, []],
            [GOPOOL_OFF, ['--metrics', 'false']],
          ].map(([name, flags]) => [
            name,
            () =>
              startServer(wattNode, [join(root, 'dist/cli/main.js'), 'start', app('gopool-app.js'), '--port', '0', '--info-url', INFO, ...flags], {
                ...env,
                GOPOOL_HOME: gopoolHome(),
              }),
          ]),
        ),
    ),
  },
];

/** The most connections PostgreSQL had open (the server's own excepted) while `stop` was not called. */
function countConnections() {
  const { Client } = createRequire(join(root, 'bench', 'package.json'))('pg');
  const client = new Client({ connectionString: database.url });
  let peak = 0;
  let polling = true;
  const done = (async () => {
    await client.connect();
    while (polling) {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      peak = Math.max(peak, rows[0].n);
      await sleep(200);
    }
    await client.end();
  })();
  return {
    stop: async () => {
      polling = false;
      await done;
      return peak;
    },
  };
}

/** `cpu`: what wrk's CPU count needs (gopool: its /_info URL). */
async function measure(url, pid, cpu) {
  // Warm-up (WARMUP): JIT, and gopool starts its threads and learns each route's cost.
  await wrk(`${url}/hello`, { connections: 50, seconds: WARMUP }, pid);
  const hello = await wrk(`${url}/hello`, { connections: 50, seconds: SECONDS, cpu }, pid);
  await wrk(`${url}/db`, { connections: 50, seconds: WARMUP }, pid);
  const connections = countConnections();
  const db = { ...(await wrk(`${url}/db`, { connections: 50, seconds: SECONDS, cpu }, pid)), connections: await connections.stop() };
  await wrk(`${url}/fib/30`, { connections: 8, seconds: WARMUP }, pid);
  const fib = await wrk(`${url}/fib/30`, { connections: 8, seconds: SECONDS, cpu }, pid);
  // Mixed: 8 connections keep fib(30) saturating the server; hello is measured meanwhile.
  const heavy = wrk(`${url}/fib/30`, { connections: 8, seconds: SECONDS + 3 }, pid);
  await sleep(1500);
  const mixedHello = await wrk(`${url}/hello`, { connections: 10, seconds: SECONDS }, pid);
  const mixedFib = await heavy;
  return { hello, db, fib, mixed: { hello: mixedHello, fib: mixedFib } };
}

const runs = saved?.runs ?? {};
for (let round = 1; !saved && round <= ROUNDS; round++) {
  for (const group of groups) {
    // A group's servers start together and sit idle for the same time; then each is loaded in
    // turn while the others stay idle (they use no CPU).
    const started = {};
    for (const [name, start] of Object.entries(group.servers)) started[name] = await start();
    await sleep(IDLE_WAIT_MS);
    // gopool's first process is its daemon (the master is its child): also measured alone.
    const idle = Object.fromEntries(
      Object.entries(started).map(([name, { child }]) => [name, { ...treeMemoryMb(child.pid), root: processMemoryMb(child.pid) }]),
    );
    for (const [name, { url, child }] of Object.entries(started)) {
      const result = { idle: idle[name], ...(await measure(url, child.pid, GOPOOLS.has(name) ? { info: `${url}${INFO}` } : true)) };
      (runs[name] ??= []).push(result);
      console.log(
        `round ${round} ${name}: idle ${result.idle.footprintMb.toFixed(0)} MB | hello ${result.hello.rps.toFixed(0)} req/s p99 ${result.hello.p99.toFixed(1)} ms ${result.hello.cpu.usPerRequest.toFixed(1)} µs CPU/req | db ${result.db.rps.toFixed(0)} req/s p99 ${result.db.p99.toFixed(1)} ms ${result.db.cpu.usPerRequest.toFixed(0)} µs CPU/req | fib ${result.fib.rps.toFixed(0)} req/s p50 ${result.fib.p50.toFixed(0)} p99 ${result.fib.p99.toFixed(0)} ms ${(result.fib.cpu.usPerRequest / 1000).toFixed(2)} ms CPU/req | mixed hello p99 ${result.mixed.hello.p99.toFixed(1)} ms | peak ${peakOf(result, 'peakFootprintMb').toFixed(0)} MB`,
      );
    }
    for (const { child } of Object.values(started)) await stopServer(child);
  }
}
database?.stop();

// ---- summary -----------------------------------------------------------------------------
function peakOf(r, key) {
  return Math.max(r.hello[key], r.db[key], r.fib[key], r.mixed.fib[key]);
}
const scenarios = (r) => [r.hello, r.db, r.fib, r.mixed.hello, r.mixed.fib];
/** The scenarios with a CPU per request (mixed runs two loads at once: no per-request figure). */
const CPU_SCENARIOS = ['hello', 'db', 'fib'];
const med = (name, pick) => median(runs[name].map(pick));
const summary = {};
for (const name of Object.keys(runs)) {
  summary[name] = {
    idleRssMb: med(name, (r) => r.idle.rssMb),
    idleFootprintMb: med(name, (r) => r.idle.footprintMb),
    idleRootRssMb: med(name, (r) => r.idle.root.rssMb),
    idleRootOwnMb: med(name, (r) => r.idle.root.ownMb),
    helloRps: med(name, (r) => r.hello.rps),
    helloP50: med(name, (r) => r.hello.p50),
    helloP99: med(name, (r) => r.hello.p99),
    dbRps: med(name, (r) => r.db.rps),
    dbP50: med(name, (r) => r.db.p50),
    dbP99: med(name, (r) => r.db.p99),
    dbConnections: med(name, (r) => r.db.connections),
    fibRps: med(name, (r) => r.fib.rps),
    fibP50: med(name, (r) => r.fib.p50),
    fibP99: med(name, (r) => r.fib.p99),
    mixedHelloP99: med(name, (r) => r.mixed.hello.p99),
    mixedHelloRps: med(name, (r) => r.mixed.hello.rps),
    mixedFibRps: med(name, (r) => r.mixed.fib.rps),
    errors: med(name, (r) => scenarios(r).reduce((sum, s) => sum + s.errors, 0)),
    loadRssMb: med(name, (r) => peakOf(r, 'peakRssMb')),
    loadFootprintMb: med(name, (r) => peakOf(r, 'peakFootprintMb')),
    cpu: Object.fromEntries(
      CPU_SCENARIOS.map((scenario) => [
        scenario,
        {
          us: med(name, (r) => r[scenario].cpu.usPerRequest),
          kinds: Object.fromEntries((GOPOOLS.has(name) ? GOPOOL_KINDS : PROCESS_KINDS).map((kind) => [kind, med(name, (r) => r[scenario].cpu.kinds[kind])])),
          rolesKnown: runs[name].some((r) => r[scenario].cpu.rolesKnown),
        },
      ]),
    ),
  };
}
/**
 * name's CPU per request ÷ base's: the median of each round's own ratio (this 2-core machine's
 * speed drifts between rounds; in a round, the servers of a group are measured one after the other).
 */
const cpuRatio = (name, base, scenario) => median(runs[name].map((r, i) => r[scenario].cpu.usPerRequest / runs[base][i][scenario].cpu.usPerRequest));
const g = summary[GOPOOL];
const f = summary[FASTIFY];
const c = summary[CLUSTER];
/**
 * A target's ratio: the median of each round's own (`pick(gopool's run) ÷ pick(base's run)`, or
 * `pick(gopool's run)` alone without a base), as the targets are stated; the tables above them
 * show medians of each figure.
 */
const roundRatio = (pick, base, pickBase = pick) => median(runs[GOPOOL].map((r, i) => (base ? pick(r) / pickBase(runs[base][i]) : pick(r))));
/** gopool's idle `measure` without its daemon's `daemonPart` ÷ single fastify's idle `measure`, per round. */
const idleMaster = (measure, daemonPart) =>
  roundRatio(
    (r) => r.idle[measure] - r.idle.root[daemonPart],
    FASTIFY,
    (r) => r.idle[measure],
  );
const targets = [
  ['hello ≥ 1.2× single fastify', roundRatio((r) => r.hello.rps, FASTIFY), 1.2, '≥'],
  ['database query ≥ 1.0× single fastify', roundRatio((r) => r.db.rps, FASTIFY), 1.0, '≥'],
  ['fib(30) ≥ 1.0× node cluster', roundRatio((r) => r.fib.rps, CLUSTER), 1.0, '≥'],
  ['fib(30) ≥ 0.95× node cluster', roundRatio((r) => r.fib.rps, CLUSTER), 0.95, '≥'],
  ['hello ≥ 1.0× node cluster', roundRatio((r) => r.hello.rps, CLUSTER), 1.0, '≥'],
  ['database query ≥ 1.0× node cluster', roundRatio((r) => r.db.rps, CLUSTER), 1.0, '≥'],
  ["database query p99 ≤ node cluster's", roundRatio((r) => r.db.p99, CLUSTER), 1.0, '≤'],
  ["CPU per request, hello ≤ 1.05× node cluster's (median of the rounds' ratios)", cpuRatio(GOPOOL, CLUSTER, 'hello'), 1.05, '≤'],
  ["CPU per request, database query ≤ 1.05× node cluster's (median of the rounds' ratios)", cpuRatio(GOPOOL, CLUSTER, 'db'), 1.05, '≤'],
  ["database connections ≤ node cluster's (same budget per process)", roundRatio((r) => r.db.connections, CLUSTER), 1.0, '≤'],
  ['fib(30) p99 ≤ 1.5× its p50', roundRatio((r) => r.fib.p99 / r.fib.p50), 1.5, '≤'],
  ['mixed: hello p99 ≤ 50 ms', roundRatio((r) => r.mixed.hello.p99), 50, '≤', 'ms'],
  ['memory under load (RSS summed) ≤ 0.75× node cluster', roundRatio((r) => peakOf(r, 'peakRssMb'), CLUSTER), 0.75, '≤'],
  ['memory under load (footprint) ≤ 0.75× node cluster', roundRatio((r) => peakOf(r, 'peakFootprintMb'), CLUSTER), 0.75, '≤'],
  // "idle ≤ 1.3× single fastify (+ daemon)": the daemon on top, as SPEC.md's table counts the
  // original's idle memory ("40 MB + 20 MB daemon"). Footprint: the daemon's own memory only
  // (its Node binary pages are the master's, counted once).
  ['idle memory, master (RSS) ≤ 1.3× single fastify, + daemon', idleMaster('rssMb', 'rssMb'), 1.3, '≤'],
  ['idle memory, master (footprint) ≤ 1.3× single fastify, + daemon', idleMaster('footprintMb', 'ownMb'), 1.3, '≤'],
].map(([target, value, bound, op, unit = '×']) => ({ target, value, bound, unit, met: op === '≥' ? value >= bound : value <= bound }));

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–');
const header = (base) =>
  `| server | hello req/s | vs ${base} | hello p99 ms | db req/s | vs ${base} | db p99 ms | db conns | fib(30) req/s | vs cluster | fib p50 / p99 ms | mixed: hello p99 ms | errors | idle RSS / footprint MB | under load RSS / footprint MB |`;
const row = (name, s, base) =>
  `| ${name} | ${f0(s.helloRps)} | ${ratio(s.helloRps, base.hello)} | ${f1(s.helloP99)} | ${f0(s.dbRps)} | ${ratio(s.dbRps, base.db)} | ${f1(s.dbP99)} | ${f0(s.dbConnections)} | ${f0(s.fibRps)} | ${ratio(s.fibRps, base.fib)} | ${f0(s.fibP50)} / ${f0(s.fibP99)} | ${f1(s.mixedHelloP99)} | ${f0(s.errors)} | ${f0(s.idleRssMb)} / ${f0(s.idleFootprintMb)} | ${f0(s.loadRssMb)} / ${f0(s.loadFootprintMb)} |`;
const groupNames = groups.map((group) => Object.keys(group.servers));
const cpuHeader = (base) =>
  `| server | hello CPU µs/req | vs ${base} | db CPU µs/req | vs ${base} | fib(30) CPU µs/req | vs ${base} |\n|---|---|---|---|---|---|---|`;
const cpuRow = (name, base) =>
  `| ${name} | ${CPU_SCENARIOS.map((scenario) => `${f1(summary[name].cpu[scenario].us)} | ${ratio(cpuRatio(name, base(name), scenario), 1)}`).join(' | ')} |`;
/** The CPU split of gopool and the servers built on processes (Watt's and piscina's threads are not told apart). */
const splitNames = [GOPOOL, FASTIFY, CLUSTER, PM2, GOPOOL_ON, GOPOOL_OFF];
const kindCell = (name, scenario, kind) => {
  const cpu = summary[name].cpu[scenario];
  if (!(kind in cpu.kinds)) return '–';
  return GOPOOLS.has(name) && (kind === 'accepting' || kind === 'pool') && !cpu.rolesKnown ? 'n/a' : f1(cpu.kinds[kind]);
};
const splitTable = [
  '| server | scenario | whole tree | accepting | master | pool | workers | helper |',
  '|---|---|---|---|---|---|---|---|',
  ...splitNames.flatMap((name) =>
    CPU_SCENARIOS.map(
      (scenario) =>
        `| ${name} | ${scenario} | ${f1(summary[name].cpu[scenario].us)} | ${['accepting', 'master', 'pool', 'workers', 'helper'].map((kind) => kindCell(name, scenario, kind)).join(' | ')} |`,
    ),
  ),
  ...(splitNames.some((name) => GOPOOLS.has(name) && CPU_SCENARIOS.some((scenario) => !summary[name].cpu[scenario].rolesKnown))
    ? ['', "n/a: this gopool's /_info gives no Linux tid for its threads, so its ingress and pool threads are counted under helper."]
    : []),
];
const lines = [
  `Machine: ${CPUS} CPUs; wrk on 127.0.0.1, ${saved?.seconds ?? SECONDS} s per measurement after ${saved ? (saved.warmup ?? 'a few') : WARMUP} s of load on the same route, median of ${saved?.rounds ?? ROUNDS} rounds (\`npm run bench\`, ${runDate.slice(0, 10)}). Errors: non-2xx answers and socket errors, all scenarios.`,
  '',
  `On Node ${groups[0].node}:`,
  '',
  header('fastify'),
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...groupNames[0].map((name) => row(name, summary[name], { hello: f.helloRps, db: f.dbRps, fib: c.fibRps })),
  '',
  "Server CPU per request (user + system time of the server's whole process tree ÷ the requests wrk counted; ratios: the median of each round's own ratio to node cluster's):",
  '',
  cpuHeader('cluster'),
  ...groupNames[0].map((name) => cpuRow(name, () => CLUSTER)),
  '',
  `On Node ${groups[1].node}, which Watt needs (ratios against Watt with the same metrics setting; cluster ratio against group 1's cluster):`,
  '',
  header('Watt'),
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...groupNames[1].map((name) => {
    const watt = summary[name.includes('off') ? WATT_OFF : WATT];
    return row(name, summary[name], { hello: watt.helloRps, db: watt.dbRps, fib: c.fibRps });
  }),
  '',
  'Server CPU per request on Node 24 (ratios to Watt with the same metrics setting):',
  '',
  cpuHeader('Watt'),
  ...groupNames[1].map((name) => cpuRow(name, (n) => (n.includes('off') ? WATT_OFF : WATT))),
  '',
  "CPU µs per request by kind of thread (gopool: accepting = ingress threads, master = the master's main thread, pool = pool threads; the others: workers = each process's main thread, a cluster's primary included; helper = every other thread: V8's, libuv's, gopool's daemon):",
  '',
  ...splitTable,
  '',
  "| gopool target (group 1; ratios: the median of the rounds' own) | measured | met |",
  '|---|---|---|',
  ...targets.map((t) => `| ${t.target} | ${t.unit === 'ms' ? `${f1(t.value)} ms` : `${t.value.toFixed(2)}×`} | ${t.met ? 'yes' : 'no'} |`),
  '',
  `The daemon, idle: ${f0(g.idleRootRssMb)} MB RSS, ${f1(g.idleRootOwnMb)} MB of it its own (the rest is the Node binary's pages, shared with the master). Counted in, gopool's idle memory is ${ratio(g.idleRssMb, f.idleRssMb)} single fastify's in RSS and ${ratio(g.idleFootprintMb, f.idleFootprintMb)} in footprint.`,
];
const table = lines.join('\n');
console.log(`\n${table}`);

const outDir = join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'suite.json'),
  `${JSON.stringify({ date: runDate, cpus: CPUS, nodes: groups.map((group) => group.node), rounds: saved?.rounds ?? ROUNDS, seconds: saved?.seconds ?? SECONDS, warmup: saved ? saved.warmup : WARMUP, summary, targets, runs }, null, 2)}\n`,
);
writeFileSync(join(outDir, 'suite.svg'), chart(summary, groupNames[0]));
const readme = join(root, 'bench', 'README.md');
const text = readFileSync(readme, 'utf8');
const replaced = text.replace(/(<!-- bench:start -->\n)[\s\S]*?(\n<!-- bench:end -->)/, (_, start, end) => `${start}${table}${end}`);
if (replaced !== text) writeFileSync(readme, replaced);
console.log(`\nwrote bench/results/suite.json, bench/results/suite.svg${replaced !== text ? ' and the tables in bench/README.md' : ''}`);

/** Grouped bars: each server's ratio to single fastify, per measure. Plain SVG, no library. */
function chart(s, names) {
  const measures = [
    ['hello req/s', 'helloRps'],
    ['db req/s', 'dbRps'],
    ['fib(30) req/s', 'fibRps'],
    ['memory under load', 'loadFootprintMb'],
    ['idle memory', 'idleFootprintMb'],
  ];
  const colors = ['#8c8c8c', '#4f81bd', '#8064a2', '#c0504d', '#2e9e5b'];
  const W = 900,
    H = 340,
    left = 40,
    top = 40,
    bottom = 70,
    groupW = (W - left - 20) / measures.length,
    barW = (groupW - 30) / names.length;
  const max = Math.max(...measures.flatMap(([, key]) => names.map((n) => s[n][key] / s[FASTIFY][key])).filter(Number.isFinite));
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`;
  svg += `<rect width="${W}" height="${H}" fill="white"/><text x="${left}" y="20" font-size="13">Ratio to single-process fastify (higher is better for req/s, lower for memory footprint)</text>`;
  svg += `<line x1="${left}" x2="${W - 10}" y1="${y(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4"/>`;
  measures.forEach(([label, key], i) => {
    const x0 = left + i * groupW + 15;
    names.forEach((n, j) => {
      const v = s[n][key] / s[FASTIFY][key];
      if (!Number.isFinite(v)) return;
      svg += `<rect x="${x0 + j * barW}" y="${y(v)}" width="${barW - 2}" height="${y(0) - y(v)}" fill="${colors[j % colors.length]}"/>`;
      svg += `<text x="${x0 + j * barW + barW / 2 - 1}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${v.toFixed(2)}</text>`;
    });
    svg += `<text x="${x0 + groupW / 2 - 15}" y="${H - bottom + 15}" text-anchor="middle">${label}</text>`;
  });
  names.forEach((n, j) => {
    const x = left + (j % 3) * 290;
    const yy = H - 38 + Math.floor(j / 3) * 16;
    svg += `<rect x="${x}" y="${yy}" width="10" height="10" fill="${colors[j % colors.length]}"/><text x="${x + 14}" y="${yy + 9}">${n}</text>`;
  });
  return `${svg}</svg>\n`;
}
