// Instructions per request, counted by valgrind (callgrind): what an ingress thread's fastify
// executes for one request against plain fastify with the same plugins and routes, each on the
// main thread of its own process. CPU time on this VM moves by ±20% from minute to minute;
// instruction counts do not, so a change of 1% in gopool's request path shows here when no
// timed run can show it. What they leave out: the kernel's side (the socket calls, the same for
// both), other threads (the master, the pool), and how fast the instructions run.
//
//   node bench/instructions.mjs   # REQUESTS=5000 REPS=7 WARM=30000
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ensureValgrind, installPeers, median, saveResults, sendRequests, startUnderCallgrind, stopServer, writeMarkerBlock } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const app = (file) => join(root, 'bench', 'apps', file);
/** Requests per count. */
const REQUESTS = Number(process.env.REQUESTS ?? 5000);
/**
 * Counts per route and server: the median is reported, and the fewest. Some counts hold V8
 * recompiling (it traced 20 to 120 compiles in such a count, after deoptimizations of Node's
 * stream code for a "wrong map"), at up to 4× the others, on either server; and V8 can settle in
 * more than one state, plain fastify's POST counting 102k in one run and 124k in another.
 */
const REPS = Number(process.env.REPS ?? 7);
/** Requests on each route before counting: V8 has compiled the request path by then (outside valgrind it compiles nothing more after about 40k requests). */
const WARM = Number(process.env.WARM ?? 30000);
const AUTH = { authorization: 'Bearer bench-token', origin: 'https://front.example' };
const ROUTES = {
  hello: { path: '/hello' },
  post: { path: '/items', body: JSON.stringify({ name: 'pen', price: 2 }) },
};

const GOPOOL = 'gopool ingress thread + cors, auth hook, body schema';
const FASTIFY = 'fastify + the same';
const GOPOOL_PLAIN = 'gopool ingress thread, no plugins';
const FASTIFY_PLAIN = 'fastify, no plugins';
/**
 * V8 compiles hot functions on a helper thread, which valgrind runs tens of times slower than
 * the server's own: until the optimized code arrives, requests run unoptimized code, and a count
 * that fell in such a stretch came out at up to 1.8× the others. Compiled on the main thread
 * instead, the code is in place at once (its compiling lands in the warm-up or in one count).
 */
const NODE_FLAGS = ['--no-concurrent-recompilation'];
const servers = {
  [GOPOOL]: { args: [...NODE_FLAGS, app('ingress-thread-app.js')], env: { APP: 'gopool-plugins-app.js' }, routes: ['hello', 'post'] },
  [FASTIFY]: { args: [...NODE_FLAGS, app('fastify-single.js')], env: { BENCH_APP: './fastify-plugins-routes' }, routes: ['hello', 'post'] },
  [GOPOOL_PLAIN]: { args: [...NODE_FLAGS, app('ingress-thread-app.js')], env: { APP: 'gopool-app.js' }, routes: ['hello'] },
  [FASTIFY_PLAIN]: { args: [...NODE_FLAGS, app('fastify-single.js')], env: {}, routes: ['hello'] },
};

const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const runs = saved?.runs ?? {};
if (!saved) {
  ensureValgrind();
  installPeers(root);
  for (const [name, { args, env, routes }] of Object.entries(servers)) {
    const server = await startUnderCallgrind(args, { PORT: '0', ...env }, { mainThread: true });
    try {
      const request = (route) => ({ headers: AUTH, body: ROUTES[route].body });
      for (const route of routes) {
        // Warmed right before its counts, and as a count sends its requests (new connections every
        // REQUESTS): warmed on one set of connections, V8 met new sockets' maps in the first count
        // and deoptimized the stream code for them ("wrong map"), and counting another route in
        // between had it recompile this one's path.
        for (let sent = 0; sent < WARM; sent += REQUESTS) await sendRequests(`${server.url}${ROUTES[route].path}`, REQUESTS, request(route));
        const counts = [];
        for (let rep = 0; rep < REPS; rep++) counts.push((await server.perRequest(ROUTES[route].path, REQUESTS, request(route))).perRequest);
        (runs[name] ??= {})[route] = counts;
        console.log(`${name} ${route}: ${counts.map((n) => Math.round(n)).join(' ')} instructions per request`);
      }
    } finally {
      await stopServer(server.child);
    }
  }
  saveResults('instructions', {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    requests: REQUESTS,
    reps: REPS,
    warm: WARM,
    runs,
  });
}

const date = (saved?.date ?? new Date().toISOString()).slice(0, 10);
const node = saved?.node ?? process.version;
const thousands = (n) => `${(n / 1000).toFixed(1)}k`;
const counts = (name, route) => runs[name]?.[route];
const fewest = (values) => Math.min(...values);
const ratio = (a, b) => `${(a / b).toFixed(3)}×`;
const rows = [
  [GOPOOL, FASTIFY, 'hello'],
  [GOPOOL, FASTIFY, 'post'],
  [GOPOOL_PLAIN, FASTIFY_PLAIN, 'hello'],
]
  .filter(([gp, fa, route]) => counts(gp, route) && counts(fa, route))
  .map(([gp, fa, route]) => {
    const g = counts(gp, route);
    const f = counts(fa, route);
    const all = (values) => values.map((n) => thousands(n)).join(', ');
    return `| ${route === 'post' ? 'POST with body schema' : 'hello'}${gp === GOPOOL ? ', plugins' : ', no plugins'} | ${thousands(median(g))} / ${thousands(fewest(g))} (${all(g)}) | ${thousands(median(f))} / ${thousands(fewest(f))} (${all(f)}) | ${ratio(median(g), median(f))} / ${ratio(fewest(g), fewest(f))} |`;
  });
const table = [
  `Instructions the server's main thread executes per request, user space, counted by callgrind over ${REQUESTS} requests on 10 kept-alive connections (new ones for each count) after ${WARM} of warm-up on the route sent the same way, less an idle stretch as long; V8 compiling on the main thread (\`--no-concurrent-recompilation\`); median / fewest of ${REPS} counts, every count in brackets (\`node bench/instructions.mjs\`, ${date}, Node ${node}). gopool: an ingress thread's fastify (\`src/ingress/threads/ingress-app.ts\`) on a main thread (\`bench/apps/ingress-thread-app.js\`), answers counted for the metrics; fastify: \`bench/apps/fastify-single.js\`.`,
  '',
  '| route | gopool ingress thread: median / fewest | plain fastify, same plugins and routes | gopool × fastify: medians / fewest |',
  '|---|---|---|---|',
  ...rows,
].join('\n');
console.log(table);
writeMarkerBlock('instructions', table);
