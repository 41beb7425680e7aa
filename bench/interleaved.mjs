#!/usr/bin/env node
// Where gopool's extra CPU per request comes from, pair by pair, on the plugin app's routes
// (apps/plugins.js: CORS, an auth hook, a body schema on the POST). Each round starts a pair
// of servers afresh (two starts of one server can settle a few percent apart) and loads them
// in interleaved slices (lib.mjs freshPairInTurns): both wrk run for the same wall time, one at a
// time, the other paused (SIGSTOP) and resumed every SLICE ms, so the machine's drift over
// seconds (a noisy 2-core VM, where a server's CPU per request moves by a third between
// minutes) falls on both alike. CPU per request: each server tree's user + system time over
// the whole run ÷ the requests its wrk counted. A pair of the same server twice (the
// cluster's, gopool's) shows what the method itself gives. Latency is not reported: a paused
// wrk's requests in flight wait out the pause.
// Writes bench/results/interleaved.json and the table in bench/README.md between its markers.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ensureWrk, freePort, freshPairInTurns, gopoolHome, installPeers, median, saveResults, startServer, writeMarkerBlock } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
/** Wall seconds each server is loaded per round (the round lasts twice as long). */
const SECONDS = Number(process.env.SECONDS ?? 5);
const SLICE = Number(process.env.SLICE ?? 250);
/** Seconds of warm-up on each server, in turns of 5 s, before each round. */
const WARMUP = Number(process.env.WARMUP ?? 10);
/** wrk's connections to each server. */
const CONNECTIONS = 50;
const CPUS = availableParallelism();
const app = (file) => join(root, 'bench', 'apps', file);
const AUTH = { authorization: 'Bearer bench-token', origin: 'https://front.example' };
const ITEM = { name: 'pen', price: 2 };

const GOPOOL = 'gopool';
const CLUSTER = `node cluster (${CPUS} workers)`;
const CLUSTER_B = `${CLUSTER}, a second one`;
const GOPOOL_B = 'gopool, a second one';
const THREADS = `fastify on ${CPUS} worker threads`;
const PATH_CLUSTER = `gopool's request path in a node cluster (${CPUS} workers)`;
const PATH_THREADS = `gopool's request path on ${CPUS} worker threads`;
const cluster = async () => startServer(process.execPath, [app('node-cluster.js')], { PORT: String(await freePort()), BENCH_APP: './fastify-plugins-routes' });
const gopool = () =>
  startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app('gopool-plugins-app.js'), '--port', '0', '--info-url', '/_info'], {
    GOPOOL_HOME: gopoolHome(),
  });
const servers = {
  [GOPOOL]: gopool,
  [GOPOOL_B]: gopool,
  [CLUSTER]: cluster,
  [CLUSTER_B]: cluster,
  // Each thread keeps its share of wrk's connections, as gopool's and a cluster's do (apps/worker-threads.js).
  [THREADS]: () => startServer(process.execPath, [app('worker-threads.js')], { BENCH_APP: './fastify-plugins-routes', CONNECTIONS: String(CONNECTIONS) }),
  [PATH_CLUSTER]: () => startServer(process.execPath, [app('node-cluster.js')], { WORKER_FILE: 'ingress-thread-app.js', APP: 'gopool-plugins-app.js' }),
  [PATH_THREADS]: () =>
    startServer(process.execPath, [app('worker-threads.js')], { INGRESS: '1', APP: 'gopool-plugins-app.js', CONNECTIONS: String(CONNECTIONS) }),
};
const ROUTES = { hello: { path: '/hello' }, post: { path: '/items', body: ITEM } };
/** [what is measured, against what, the routes]: what each pair tells. */
const PAIRS = [
  [CLUSTER_B, CLUSTER, ['hello'], 'the method: the same server twice'],
  [GOPOOL_B, GOPOOL, ['hello'], 'the method, on gopool'],
  [GOPOOL, CLUSTER, ['hello', 'post'], 'the whole difference'],
  [THREADS, CLUSTER, ['hello', 'post'], 'threads instead of processes, same code'],
  [PATH_CLUSTER, CLUSTER, ['hello', 'post'], "gopool's code on the request path, in processes"],
  [PATH_THREADS, CLUSTER, ['hello', 'post'], "gopool's code on the request path, on threads"],
  [GOPOOL, PATH_THREADS, ['hello', 'post'], 'the rest of gopool (master, daemon, pool, connection balance)'],
];

const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const results = saved?.results ?? [];
if (!saved) {
  ensureWrk();
  installPeers(root);
  for (const [measured, against, routes, tells] of PAIRS) {
    for (const route of routes) {
      const { path, body } = ROUTES[route];
      const rounds = [];
      for (let round = 0; round < ROUNDS; round++) {
        const start = (name) => async () => ({ ...(await servers[name]()), info: name.startsWith(GOPOOL) });
        const [a, b] = await freshPairInTurns([start(measured), start(against)], path, {
          warmup: WARMUP,
          connections: CONNECTIONS,
          seconds: SECONDS,
          slice: SLICE,
          headers: AUTH,
          body,
        });
        rounds.push({ a, b });
        console.log(
          `${measured} ÷ ${against}, ${route} round ${round + 1}: ${a.usPerRequest.toFixed(1)} ÷ ${b.usPerRequest.toFixed(1)} µs CPU/req = ${(a.usPerRequest / b.usPerRequest).toFixed(3)}, requests ${(a.requests / b.requests).toFixed(3)}×`,
        );
      }
      results.push({ measured, against, route, tells, rounds });
    }
  }
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const table = [
  `Machine: ${CPUS} CPUs; wrk -c${CONNECTIONS} on 127.0.0.1; each round starts both servers of a pair afresh, warms each for ${saved?.warmup ?? WARMUP} s, then loads them in turns of ${saved?.slice ?? SLICE} ms for ${saved?.seconds ?? SECONDS} s each; ${saved?.rounds ?? ROUNDS} rounds, medians (\`node bench/interleaved.mjs\`, ${(saved?.date ?? new Date().toISOString()).slice(0, 10)}, Node ${saved?.node ?? process.version}). Every server runs the plugin app (CORS, the auth hook, the body schema on the POST); every request carries the auth header.`,
  '',
  '| measured | against | route | what it tells | CPU µs/req | against | × (median of the rounds) | the rounds | requests × |',
  '|---|---|---|---|---|---|---|---|---|',
  ...results.map(({ measured, against, route, tells, rounds }) => {
    const ratios = rounds.map(({ a, b }) => a.usPerRequest / b.usPerRequest);
    return `| ${measured} | ${against} | ${route === 'post' ? 'POST /items' : 'GET /hello'} | ${tells} | ${fmt(median(rounds.map(({ a }) => a.usPerRequest)))} | ${fmt(median(rounds.map(({ b }) => b.usPerRequest)))} | ${fmt(median(ratios), 3)} | ${ratios.map((r) => fmt(r, 2)).join(', ')} | ${fmt(median(rounds.map(({ a, b }) => a.requests / b.requests)), 3)} |`;
  }),
].join('\n');
console.log(`\n${table}`);
if (!saved)
  saveResults('interleaved', {
    date: new Date().toISOString(),
    node: process.version,
    cpus: CPUS,
    rounds: ROUNDS,
    seconds: SECONDS,
    slice: SLICE,
    warmup: WARMUP,
    results,
  });
writeMarkerBlock('interleaved', table);
