#!/usr/bin/env node
// A fastify app as teams write them, on gopool and on node cluster: CORS, an auth onRequest
// hook and a body schema (apps/plugins.js) on every route. Side by side in one run, ROUNDS
// rounds in alternating order, medians:
//   - gopool with the plugins against the same gopool app without them (the plugins' cost);
//   - gopool with the plugins against node cluster running the same plugins;
//   - fib(30) through the hooks, and its p99 against its p50.
// Writes bench/results/fastify-app.json and the table in bench/README.md between its markers.
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWrk, freePort, installPeers, median, startServer, stopServer, wrk, writeMarkerBlock } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CPUS = availableParallelism();
const app = (file) => join(root, 'bench', 'apps', file);
const gopool = (file) => () =>
  startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app(file), '--port', '0'], {
    GOPOOL_HOME: mkdtempSync(join(tmpdir(), 'gopool-bench-')),
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
for (let round = 1; round <= (saved ? 0 : ROUNDS); round++) {
  const order = Object.keys(servers);
  if (round % 2 === 0) order.reverse();
  for (const name of order) {
    const { url, child } = await servers[name]();
    try {
      await wrk(`${url}/hello`, { connections: 50, seconds: 3, headers: AUTH }, child.pid); // warm-up: JIT, ingress threads, route costs
      const hello = await wrk(`${url}/hello`, { connections: 50, seconds: SECONDS, headers: AUTH }, child.pid);
      let post;
      if (name !== PLAIN) {
        await wrk(`${url}/items`, { connections: 50, seconds: 1, headers: AUTH, body: { name: 'pen', price: 2 } }, child.pid);
        post = await wrk(`${url}/items`, { connections: 50, seconds: SECONDS, headers: AUTH, body: { name: 'pen', price: 2 } }, child.pid);
      }
      await wrk(`${url}/fib/30`, { connections: 8, seconds: 1, headers: AUTH }, child.pid);
      const fib = await wrk(`${url}/fib/30`, { connections: 8, seconds: SECONDS, headers: AUTH }, child.pid);
      (runs[name] ??= []).push({ hello, post, fib });
      console.log(
        `round ${round} ${name}: hello ${hello.rps.toFixed(0)} req/s (errors ${hello.errors})${post ? ` | POST with schema ${post.rps.toFixed(0)} req/s (errors ${post.errors})` : ''} | fib ${fib.rps.toFixed(0)} req/s p50 ${fib.p50.toFixed(0)} p99 ${fib.p99.toFixed(0)} ms`,
      );
    } finally {
      await stopServer(child);
    }
  }
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
const ratio = (a, b, pick) => median(runs[a].map((run, i) => pick(run) / pick(runs[b][i])));
const hello = (r) => r.hello.rps;
const fib = (r) => r.fib.rps;
const targets = [
  ['hello with the plugins ≥ 0.85× the same gopool app without them', ratio(HOOKED, PLAIN, hello), 0.85],
  ['hello with the plugins ≥ 0.9× node cluster with the same plugins', ratio(HOOKED, CLUSTER, hello), 0.9],
  ['fib(30) through the hooks ≥ 0.9× node cluster with the same plugins', ratio(HOOKED, CLUSTER, fib), 0.9],
  ['fib(30) through the hooks: p99 ≤ 1.5× p50', median(runs[HOOKED].map((r) => r.fib.p99 / r.fib.p50)), 1.5, true],
];
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const table = [
  `Machine: ${CPUS} CPUs; wrk on 127.0.0.1, ${SECONDS} s per measurement, median of ${saved?.rounds ?? ROUNDS} rounds (\`node bench/fastify-app.mjs\`, ${(saved?.date ?? new Date().toISOString()).slice(0, 10)}, Node ${saved?.node ?? process.version}). Every request carries the auth header; errors are non-2xx answers and socket errors.`,
  '',
  '| server | hello req/s | hello p99 ms | POST with body schema req/s | fib(30) req/s | fib p50 / p99 ms | errors |',
  '|---|---|---|---|---|---|---|',
  ...Object.entries(rows).map(
    ([name, r]) => `| ${name} | ${fmt(r.hello)} | ${fmt(r.helloP99, 1)} | ${fmt(r.post)} | ${fmt(r.fib)} | ${fmt(r.fibP50)} / ${fmt(r.fibP99)} | ${r.errors} |`,
  ),
  '',
  "| target (median of the rounds' ratios) | measured | met |",
  '|---|---|---|',
  ...targets.map(([what, ratio, bound, atMost]) => `| ${what} | ${ratio.toFixed(2)}× | ${(atMost ? ratio <= bound : ratio >= bound) ? 'yes' : 'no'} |`),
].join('\n');
console.log(`\n${table}`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
if (!saved)
  writeFileSync(
    join(root, 'bench', 'results', 'fastify-app.json'),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: CPUS, rounds: ROUNDS, seconds: SECONDS, runs, rows }, null, 2),
  );
writeMarkerBlock('fastify-app', table);
