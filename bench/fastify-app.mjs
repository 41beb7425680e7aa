#!/usr/bin/env node
// A fastify app as teams write them, on gopool and on node cluster: CORS, an auth onRequest
// hook and a body schema (apps/plugins.js) on every route. Side by side in one run, medians:
//   - gopool with the plugins against the same gopool app without them (the plugins' cost);
//   - gopool with the plugins against node cluster running the same plugins;
//   - fib(30) through the hooks, and its p99 against its p50;
//   - the server's CPU per request on each (its whole process tree, and by kind of thread:
//     lib.mjs startCpu).
// Every server is started once and kept running, as a production server is: its first
// COLD seconds under load are measured apart (start-up: JIT, ingress threads, route costs).
// Then the servers take turns, always in the same cycle: WARMUP seconds of warm-up each, then
// for each scenario SCENARIO_WARMUP seconds of its route each, then ROUNDS turns per server.
// The machine's drift (a noisy 2-core VM) falls on all of them alike, and a server waits
// through the others' turns only (about 10 s, under gopool's idle timeout: no thread retires
// between turns; an order that alternated made the servers at either end wait twice as long).
// Each turn is a 1 s wrk on the turn's route (load again after the wait; a route's first
// contact), then one of SETTLE + SECONDS seconds whose last SECONDS are measured.
// Writes bench/results/fastify-app.json and the table in bench/README.md between its markers.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  ensureWrk,
  freePort,
  GOPOOL_KINDS,
  gopoolHome,
  installPeers,
  median,
  PROCESS_KINDS,
  saveResults,
  startServer,
  stopServer,
  writeMarkerBlock,
  wrk,
} from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 3);
/** The first seconds of load after a server is ready, measured apart: its start-up. */
const COLD = Number(process.env.COLD ?? 3);
/** Load on each server after those, before its first turn (JIT, ingress threads, route costs). */
const WARMUP = Number(process.env.WARMUP ?? 15);
/** Seconds each measurement's wrk runs before the CPU is read (lib.mjs wrk: its connections' first seconds). */
const SETTLE = Number(process.env.SETTLE ?? 1);
/** Seconds of one turn of warm-up (about one measured turn). */
const TURN_SECONDS = 5;
/** Load on each scenario's route before its first turn (on every server, in the same cycle). */
const SCENARIO_WARMUP = Number(process.env.SCENARIO_WARMUP ?? 10);
const CPUS = availableParallelism();
const app = (file) => join(root, 'bench', 'apps', file);
const gopool = (file) => () =>
  startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app(file), '--port', '0', '--info-url', '/_info'], {
    GOPOOL_HOME: gopoolHome(),
  });
const AUTH = { authorization: 'Bearer bench-token', origin: 'https://front.example' };

const PLAIN = 'gopool, no plugins';
const HOOKED = 'gopool + cors, auth hook, body schema';
const CLUSTER = `node cluster (${CPUS} workers) + the same`;
const servers = {
  [PLAIN]: gopool('gopool-app.js'),
  [HOOKED]: gopool('gopool-plugins-app.js'),
  [CLUSTER]: async () => startServer(process.execPath, [app('node-cluster.js')], { PORT: String(await freePort()), BENCH_APP: './fastify-plugins-routes' }),
};

/** FROM=bench/results/fastify-app.json: no measuring, the tables again from a saved run. */
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const runs = saved?.runs ?? {};
if (!saved) {
  ensureWrk();
  installPeers(root);
}
const cold = saved?.cold ?? {};
const SCENARIO_RUNS = {
  hello: { path: '/hello', connections: 50 },
  post: { path: '/items', connections: 50, body: { name: 'pen', price: 2 }, skip: (name) => name === PLAIN },
  fib: { path: '/fib/30', connections: 8 },
};
if (!saved) {
  const live = {};
  try {
    for (const name of Object.keys(servers)) {
      const server = (live[name] = await servers[name]());
      const cpu = cpuOption(name, server.url);
      cold[name] = await wrk(`${server.url}/hello`, { connections: 50, seconds: COLD, headers: AUTH, cpu }, server.child.pid);
      console.log(`${name}: its first ${COLD} s, hello ${cold[name].rps.toFixed(0)} req/s ${cold[name].cpu.usPerRequest.toFixed(1)} µs CPU/req`);
    }
    // Warmed in the same cycle as the turns below, TURN_SECONDS at a time.
    for (let warmed = 0; warmed < WARMUP; warmed += TURN_SECONDS)
      for (const [name, { url, child }] of Object.entries(live)) {
        await wrk(`${url}/hello`, { connections: 50, seconds: TURN_SECONDS - 2, headers: AUTH }, child.pid);
        // A route's first requests go to a pool thread for its cost (gopool starts one if none is left).
        if (name !== PLAIN) await firstContact(url, 'post');
        await firstContact(url, 'fib');
      }
    for (const [scenario, { path, connections, body, skip }] of Object.entries(SCENARIO_RUNS)) {
      // The scenario's own route warmed on every server first, in the same cycle: measured
      // after a few seconds of it, a route is still being compiled (gopool's for longer).
      for (let warmed = 0; warmed < SCENARIO_WARMUP; warmed += TURN_SECONDS)
        for (const [name, { url, child }] of Object.entries(live))
          await wrk(
            skip?.(name) ? `${url}/hello` : `${url}${path}`,
            { connections, seconds: TURN_SECONDS, headers: AUTH, body: skip?.(name) ? undefined : body },
            child.pid,
          );
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of Object.keys(servers)) {
          const { url, child } = live[name];
          if (skip?.(name)) {
            // Not measured, but its turn all the same: its threads stay as busy as the others'.
            await wrk(`${url}/hello`, { connections: 50, seconds: SETTLE + SECONDS + 1, headers: AUTH }, child.pid);
            continue;
          }
          await firstContact(url, scenario);
          const run = await wrk(`${url}${path}`, { connections, seconds: SECONDS, settle: SETTLE, headers: AUTH, body, cpu: cpuOption(name, url) }, child.pid);
          ((runs[name] ??= [])[round] ??= {})[scenario] = run;
          console.log(
            `${scenario} round ${round + 1} ${name}: ${run.rps.toFixed(0)} req/s p50 ${run.p50.toFixed(1)} p99 ${run.p99.toFixed(1)} ms, ${run.cpu.usPerRequest.toFixed(1)} µs CPU/req (errors ${run.errors})`,
          );
        }
      }
    }
  } finally {
    for (const { child } of Object.values(live)) await stopServer(child);
  }
}

/** gopool's /_info (behind the app's auth hook too): its threads' roles, for the CPU split. */
function cpuOption(name, url) {
  return name === CLUSTER ? true : { info: `${url}/_info`, headers: AUTH };
}

/**
 * A 1 s wrk on a scenario's route before each measured one, not measured: load again after the
 * wait through the other servers' turns, and a route's first contact (gopool sends a route it
 * has not measured yet to a pool thread for its cost, starting one if none is left).
 */
function firstContact(url, scenario) {
  const { path, body } = SCENARIO_RUNS[scenario];
  return wrk(`${url}${path}`, { connections: 8, seconds: 1, headers: AUTH, body });
}

const med = (name, pick) => median(runs[name].map(pick));
const row = (name) => ({
  hello: med(name, (r) => r.hello.rps),
  helloP99: med(name, (r) => r.hello.p99),
  post: runs[name][0].post ? med(name, (r) => r.post.rps) : NaN,
  fib: med(name, (r) => r.fib.rps),
  fibP50: med(name, (r) => r.fib.p50),
  fibP99: med(name, (r) => r.fib.p99),
  errors: runs[name].reduce((sum, r) => sum + r.hello.errors + (r.post?.errors ?? 0) + r.fib.errors, 0),
});
const rows = Object.fromEntries(Object.keys(servers).map((name) => [name, row(name)]));
/**
 * a ÷ b: the median of the ratios within each round, not the ratio of the medians. The machine's
 * speed drifts between rounds (a noisy 2-core VM); each round measures every server side by side.
 */
const ratios = (a, b, pick) => runs[a].map((run, i) => pick(run) / pick(runs[b][i]));
const ratio = (a, b, pick) => median(ratios(a, b, pick));
const hello = (r) => r.hello.rps;
const fib = (r) => r.fib.rps;
/** CPU per request of a scenario (NaN in a run saved before it was measured, or without that scenario). */
const cpuOf = (scenario) => (r) => r[scenario]?.cpu?.usPerRequest ?? NaN;
const CPU_SCENARIOS = ['hello', 'post', 'fib'];
const cpuRows = Object.fromEntries(
  Object.keys(servers).map((name) => [
    name,
    Object.fromEntries(
      CPU_SCENARIOS.map((scenario) => [
        scenario,
        {
          us: med(name, cpuOf(scenario)),
          vsCluster: ratio(name, CLUSTER, cpuOf(scenario)),
          kinds: Object.fromEntries((name === CLUSTER ? PROCESS_KINDS : GOPOOL_KINDS).map((k) => [k, med(name, (r) => r[scenario]?.cpu?.kinds[k] ?? NaN)])),
          rolesKnown: runs[name].some((r) => r[scenario]?.cpu?.rolesKnown),
        },
      ]),
    ),
  ]),
);
/** [what, the rounds' ratios, bound, at most]: the median is what is measured; the rounds show its spread. */
const targets = [
  ['hello with the plugins ≥ 0.85× the same gopool app without them', ratios(HOOKED, PLAIN, hello), 0.85],
  ['hello with the plugins ≥ 0.95× node cluster with the same plugins', ratios(HOOKED, CLUSTER, hello), 0.95],
  ['POST with body schema ≥ 0.95× node cluster with the same plugins', ratios(HOOKED, CLUSTER, (r) => r.post.rps), 0.95],
  ['fib(30) through the hooks ≥ 0.9× node cluster with the same plugins', ratios(HOOKED, CLUSTER, fib), 0.9],
  ['fib(30) through the hooks: p99 ≤ 1.5× p50', runs[HOOKED].map((r) => r.fib.p99 / r.fib.p50), 1.5, true],
  ["CPU per request, hello with the plugins ≤ 1.05× node cluster's with the same plugins", ratios(HOOKED, CLUSTER, cpuOf('hello')), 1.05, true],
  ["CPU per request, POST with body schema ≤ 1.05× node cluster's with the same plugins", ratios(HOOKED, CLUSTER, cpuOf('post')), 1.05, true],
];
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const times = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const kindCell = (name, scenario, kind) => {
  const cpu = cpuRows[name][scenario];
  if (!(kind in cpu.kinds)) return '–';
  return name !== CLUSTER && (kind === 'accepting' || kind === 'pool') && !cpu.rolesKnown ? 'n/a' : fmt(cpu.kinds[kind], 1);
};
const table = [
  (saved && !saved.cold
    ? `Machine: ${CPUS} CPUs; wrk on 127.0.0.1, ${saved.seconds} s per measurement${saved.settle ? ` (CPU read over those ${saved.seconds} s, after the same wrk's first ${saved.settle} s), after ${saved.warmup} s of warm-up on each server` : ''}, each server started afresh in each round, median of ${saved.rounds} rounds (\`node bench/fastify-app.mjs\`, ${saved.date.slice(0, 10)}, Node ${saved.node}).`
    : `Machine: ${CPUS} CPUs; wrk on 127.0.0.1; every server started once and kept running, then taking turns in a fixed cycle: ${saved?.warmup ?? WARMUP} s of warm-up each, then ${saved && !saved.scenarioWarmup ? 'each scenario in' : `for each scenario ${saved?.scenarioWarmup ?? SCENARIO_WARMUP} s of its route each and`} ${saved?.rounds ?? ROUNDS} turns per server, ${saved?.seconds ?? SECONDS} s measured per turn (CPU read over those ${saved?.seconds ?? SECONDS} s, after the same wrk's first ${saved?.settle ?? SETTLE} s); medians (\`node bench/fastify-app.mjs\`, ${(saved?.date ?? new Date().toISOString()).slice(0, 10)}, Node ${saved?.node ?? process.version}).`) +
    ' Every request carries the auth header; errors are non-2xx answers and socket errors.',
  '',
  '| server | hello req/s | hello p99 ms | POST with body schema req/s | fib(30) req/s | fib p50 / p99 ms | errors |',
  '|---|---|---|---|---|---|---|',
  ...Object.entries(rows).map(
    ([name, r]) => `| ${name} | ${fmt(r.hello)} | ${fmt(r.helloP99, 1)} | ${fmt(r.post)} | ${fmt(r.fib)} | ${fmt(r.fibP50)} / ${fmt(r.fibP99)} | ${r.errors} |`,
  ),
  '',
  "Server CPU per request (user + system time of the server's whole process tree ÷ the requests wrk counted; × cluster: the median of each round's own ratio):",
  '',
  '| server | hello CPU µs/req | × cluster | POST CPU µs/req | × cluster | fib(30) CPU µs/req | × cluster |',
  '|---|---|---|---|---|---|---|',
  ...Object.entries(cpuRows).map(
    ([name, c]) =>
      `| ${name} | ${CPU_SCENARIOS.map((scenario) => (Number.isFinite(c[scenario].us) ? `${fmt(c[scenario].us, 1)} | ${times(c[scenario].vsCluster)}` : '– | –')).join(' | ')} |`,
  ),
  '',
  "By kind of thread, µs per request (gopool: accepting = ingress threads, master = the master's main thread, pool = pool threads; cluster: workers = each process's main thread; helper = every other thread):",
  '',
  '| server | scenario | whole tree | accepting | master | pool | workers | helper |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.keys(cpuRows).flatMap((name) =>
    CPU_SCENARIOS.filter((scenario) => Number.isFinite(cpuRows[name][scenario].us)).map(
      (scenario) =>
        `| ${name} | ${scenario} | ${fmt(cpuRows[name][scenario].us, 1)} | ${['accepting', 'master', 'pool', 'workers', 'helper'].map((kind) => kindCell(name, scenario, kind)).join(' | ')} |`,
    ),
  ),
  ...(Object.keys(cpuRows).some((name) => name !== CLUSTER && CPU_SCENARIOS.some((s) => Number.isFinite(cpuRows[name][s].us) && !cpuRows[name][s].rolesKnown))
    ? ['', "n/a: this gopool's /_info gives no Linux tid for its threads, so its ingress and pool threads are counted under helper."]
    : []),
  '',
  `Start-up: hello in the first ${saved?.coldSeconds ?? COLD} s of load after the server is ready (one run each; before the warm-up above):`,
  '',
  '| server | req/s | CPU µs/req | CPU × cluster |',
  '|---|---|---|---|',
  ...Object.keys(servers)
    .filter((name) => cold[name])
    .map(
      (name) =>
        `| ${name} | ${fmt(cold[name].rps)} | ${fmt(cold[name].cpu?.usPerRequest, 1)} | ${times(cold[name].cpu?.usPerRequest / cold[CLUSTER]?.cpu?.usPerRequest)} |`,
    ),
  '',
  "| target (median of the rounds' ratios) | measured | the rounds | met |",
  '|---|---|---|---|',
  ...targets.map(([what, rounds, bound, atMost]) => {
    const measured = median(rounds);
    const met = !Number.isFinite(measured) ? '–' : (atMost ? measured <= bound : measured >= bound) ? 'yes' : 'no';
    return `| ${what} | ${times(measured)} | ${rounds.map((x) => fmt(x, 2)).join(', ')} | ${met} |`;
  }),
].join('\n');
console.log(`\n${table}`);
if (!saved)
  saveResults('fastify-app', {
    date: new Date().toISOString(),
    node: process.version,
    cpus: CPUS,
    rounds: ROUNDS,
    seconds: SECONDS,
    warmup: WARMUP,
    settle: SETTLE,
    coldSeconds: COLD,
    scenarioWarmup: SCENARIO_WARMUP,
    cold,
    runs,
    rows,
    cpu: cpuRows,
  });
writeMarkerBlock('fastify-app', table);
