#!/usr/bin/env node
// gopool's own layer: startWithSingle (one thread, no thread crossing; apps/gopool-single.js)
// against plain fastify (apps/fastify-single.js), the same handlers (apps/handlers.js), each
// one process with one JavaScript thread. What gopool adds around fastify (building the
// handler's request, placement, its serializer and its answer) shows as CPU per request:
// utime + stime of the whole process tree (gopool's: its daemon too) from /proc, divided by
// the requests wrk counted, with the two servers loaded in turns (lib.mjs loadInTurns) so that
// the machine's drift falls on both alike; req/s and p99 from each loaded alone. hello (50
// connections) and db (one indexed SELECT from PostgreSQL, 50 connections, 10 database
// connections each); ROUNDS rounds, each with both servers started afresh; medians of each
// round's own ratios.
// On a 2-core machine where wrk takes a core, a hello's CPU per request moves by ±15 % from
// one run to the next; so each server is also run once under valgrind's callgrind, which
// counts the instructions its main thread executes per request whatever else the machine does,
// as bench/instructions.mjs does (V8 compiling on the main thread, warmed with new connections
// every count's worth of requests): N requests (CG_REQUESTS, 2000) on 10 keep-alive
// connections after CG_WARM (16000) sent the same way, counted CG_REPS (5) times, the median;
// less what the server runs in as long again without requests (what runs by the clock, not per
// request). Writes bench/results/single.json and the table in bench/README.md
// between its single:start/end markers.
import { join } from 'node:path';
import {
  ensureValgrind,
  ensureWrk,
  freePort,
  gopoolHome,
  installPeers,
  loadInTurns,
  median,
  saveResults,
  sendRequests,
  startServer,
  startUnderCallgrind,
  stopServer,
  writeMarkerBlock,
  wrk,
} from './lib.mjs';
import { startPostgres } from './postgres.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 5);
/** Seconds of load on each server before each scenario's measurements. */
const WARMUP = Number(process.env.WARMUP ?? 5);
const app = (file) => join(root, 'bench', 'apps', file);

const CG_REQUESTS = Number(process.env.CG_REQUESTS ?? 2000);
const CG_REPS = Number(process.env.CG_REPS ?? 5);
const CG_WARM = Number(process.env.CG_WARM ?? 16000);

const FASTIFY = 'fastify (1 process)';
const GOPOOL = 'gopool startWithSingle (1 thread)';

ensureWrk();
ensureValgrind();
installPeers(root);
const database = await startPostgres(await freePort());
process.on('exit', () => database.stop());
const env = { DATABASE_URL: database.url, PG_POOL_MAX: '10', PG_BUDGET: '10' };
const servers = {
  [FASTIFY]: () => startServer(process.execPath, [app('fastify-single.js')], { ...env, PORT: '0' }),
  [GOPOOL]: () => startServer(process.execPath, [app('gopool-single.js')], { ...env, GOPOOL_HOME: gopoolHome() }),
};
const SCENARIOS = { hello: '/hello', db: '/db' };

const runs = {};
/** gopool ÷ fastify per round and scenario, both loaded in turns: CPU per request and requests. */
const turns = [];
for (let round = 1; round <= ROUNDS; round++) {
  // A fresh pair every round: two starts of the same server can settle a few percent apart for
  // as long as they run (what V8 compiled, where things landed in memory).
  const live = {};
  try {
    for (const name of Object.keys(servers)) live[name] = await servers[name]();
    const pair = [live[GOPOOL], live[FASTIFY]];
    const run = { [GOPOOL]: {}, [FASTIFY]: {} };
    const turn = {};
    for (const [scenario, path] of Object.entries(SCENARIOS)) {
      for (const { url, child } of pair) await wrk(`${url}${path}`, { connections: 50, seconds: WARMUP }, child.pid); // JIT, pools
      // CPU per request: both loaded in turns of 250 ms, so the machine's drift falls on both alike.
      const [g, f] = await loadInTurns(pair, path, { connections: 50, seconds: SECONDS });
      turn[scenario] = { cpu: g.usPerRequest / f.usPerRequest, requests: g.requests / f.requests, gopoolUs: g.usPerRequest, fastifyUs: f.usPerRequest };
      // Throughput and latency: each alone, in alternating order.
      const order = round % 2 === 0 ? [FASTIFY, GOPOOL] : [GOPOOL, FASTIFY];
      for (const name of order) run[name][scenario] = await wrk(`${live[name].url}${path}`, { connections: 50, seconds: SECONDS }, live[name].child.pid);
    }
    turns.push(turn);
    for (const name of Object.keys(servers)) (runs[name] ??= []).push(run[name]);
    console.log(
      `round ${round}: ${Object.entries(turn)
        .map(([s, t]) => `${s} CPU/req ${t.gopoolUs.toFixed(1)} ÷ ${t.fastifyUs.toFixed(1)} µs = ${t.cpu.toFixed(3)}, requests ${t.requests.toFixed(3)}×`)
        .join(' | ')}`,
    );
  } finally {
    for (const { child } of Object.values(live)) await stopServer(child);
  }
}

const commands = {
  [FASTIFY]: { args: [app('fastify-single.js')], env: { ...env, PORT: '0' } },
  [GOPOOL]: { args: [app('gopool-single.js')], env: { ...env, GOPOOL_HOME: gopoolHome() } },
};
const instructions = {};
/** Instructions per second with no request, measured beside each count and left out of it. */
const idleInstructions = {};
for (const [name, { args, env: serverEnv }] of Object.entries(commands)) {
  instructions[name] = {};
  for (const [scenario, path] of Object.entries(SCENARIOS)) {
    const counted = await instructionsPerRequest(args, serverEnv, path);
    instructions[name][scenario] = counted.perRequest;
    (idleInstructions[name] ??= {})[scenario] = counted.idlePerSecond;
    console.log(
      `callgrind ${name} ${scenario}: ${Math.round(counted.perRequest)} instructions per request (${Math.round(counted.idlePerSecond)} per second without requests, left out)`,
    );
  }
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const times = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const med = (name, pick) => median(runs[name].map(pick));
/** gopool ÷ fastify: the median of each round's own ratio (the machine drifts between rounds). */
const ratio = (pick) => median(runs[GOPOOL].map((run, i) => pick(run) / pick(runs[FASTIFY][i])));
/** The same, of the rounds in turns. */
const turnRatio = (scenario, what) => median(turns.map((turn) => turn[scenario][what]));
const rps = (scenario) => (r) => r[scenario].rps;
/** A server's CPU per request on a scenario, median of the rounds in turns. */
const cpuUs = (name, scenario) => median(turns.map((turn) => turn[scenario][name === GOPOOL ? 'gopoolUs' : 'fastifyUs']));
const irRatio = (scenario) => instructions[GOPOOL][scenario] / instructions[FASTIFY][scenario];
const targets = Object.keys(SCENARIOS).flatMap((scenario) => [
  [`${scenario}: gopool's CPU per request in single mode ≤ 1.05× plain fastify's (/proc, median of the rounds' ratios)`, turnRatio(scenario, 'cpu'), 1.05],
  [`${scenario}: gopool's instructions per request in single mode ≤ 1.05× plain fastify's (callgrind)`, irRatio(scenario), 1.05],
]);
const table = [
  `Machine: 2 CPUs; wrk on 127.0.0.1, 50 connections; each round starts both servers afresh and, per route, warms each for ${WARMUP} s, loads the two in turns of 250 ms for ${SECONDS} s each (CPU per request), then each alone for ${SECONDS} s (req/s, p99); medians of ${ROUNDS} rounds (\`node bench/single.mjs\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}).`,
  '',
  '| server | hello req/s | hello CPU µs/req | hello p99 ms | db req/s | db CPU µs/req | db p99 ms | errors |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.keys(servers).map(
    (name) =>
      `| ${name} | ${fmt(med(name, rps('hello')))} | ${fmt(cpuUs(name, 'hello'), 1)} | ${fmt(
        med(name, (r) => r.hello.p99),
        1,
      )} | ${fmt(med(name, rps('db')))} | ${fmt(cpuUs(name, 'db'), 1)} | ${fmt(
        med(name, (r) => r.db.p99),
        1,
      )} | ${runs[name].reduce((n, r) => n + r.hello.errors + r.db.errors, 0)} |`,
  ),
  '',
  `gopool ÷ fastify, req/s each alone: hello ${times(ratio(rps('hello')))}, db ${times(ratio(rps('db')))}; requests loaded in turns: hello ${times(turnRatio('hello', 'requests'))}, db ${times(turnRatio('db', 'requests'))}. CPU per request, loaded in turns, rounds: hello ${turns.map((t) => t.hello.cpu.toFixed(2)).join(', ')}; db ${turns.map((t) => t.db.cpu.toFixed(2)).join(', ')}.`,
  '',
  `Instructions per request of the server's main thread under callgrind (${CG_REQUESTS} requests on 10 connections after ${CG_WARM} sent the same way, V8 compiling on the main thread, median of ${CG_REPS} counts, less what the server ran in as long again without requests: ${Object.keys(
    commands,
  )
    .map((name) => `${name} ${fmt(median(Object.values(idleInstructions[name] ?? {})) / 1e6, 1)} M instructions per second`)
    .join(', ')}):`,
  '',
  '| server | hello | db |',
  '|---|---|---|',
  ...Object.keys(commands).map((name) => `| ${name} | ${fmt(instructions[name].hello)} | ${fmt(instructions[name].db)} |`),
  '',
  "| target (median of the rounds' ratios) | measured | met |",
  '|---|---|---|',
  ...targets.map(([what, measured, bound]) => `| ${what} | ${times(measured)} | ${Number.isFinite(measured) ? (measured <= bound ? 'yes' : 'no') : '–'} |`),
].join('\n');
console.log(`\n${table}`);
saveResults('single', {
  date: new Date().toISOString(),
  node: process.version,
  rounds: ROUNDS,
  seconds: SECONDS,
  warmup: WARMUP,
  runs,
  turns,
  instructions,
  idleInstructions,
});
writeMarkerBlock('single', table);

/** The server run under callgrind: the median of CG_REPS counts over CG_REQUESTS requests each, after CG_WARM to warm up. */
async function instructionsPerRequest(args, serverEnv, path) {
  const server = await startUnderCallgrind(['--no-concurrent-recompilation', ...args], serverEnv, { mainThread: true });
  try {
    for (let sent = 0; sent < CG_WARM; sent += CG_REQUESTS) await sendRequests(`${server.url}${path}`, CG_REQUESTS);
    const counts = [];
    for (let rep = 0; rep < CG_REPS; rep++) counts.push(await server.perRequest(path, CG_REQUESTS));
    return { perRequest: median(counts.map((c) => c.perRequest)), idlePerSecond: median(counts.map((c) => c.idlePerSecond)) };
  } finally {
    await stopServer(server.child);
  }
}
