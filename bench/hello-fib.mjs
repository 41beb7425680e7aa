#!/usr/bin/env node
// Quick comparison for the README: hello and fib(30) requests/s, gopool vs single-process
// fastify, side by side in one run, median of ROUNDS rounds. (The full suite: bench/run.mjs.)
import { join } from 'node:path';
import { ensureWrk, median, startServer, stopServer, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);

const servers = {
  'fastify (1 process)': () => startServer(process.execPath, [join(root, 'bench/apps/fastify-single.js')], { PORT: '0' }),
  gopool: () => startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', join(root, 'bench/apps/gopool-app.js'), '--port', '0'], {}),
};
const scenarios = {
  hello: { path: '/hello', connections: 50 },
  'fib(30)': { path: '/fib/30', connections: 8 },
};

ensureWrk();
const results = {};
for (let round = 1; round <= ROUNDS; round++) {
  for (const [server, start] of Object.entries(servers)) {
    const { url, child } = await start();
    for (const [scenario, { path, connections }] of Object.entries(scenarios)) {
      await wrk(url + path, { connections, seconds: 1 }, child.pid); // warm-up
      const r = await wrk(url + path, { connections, seconds: SECONDS }, child.pid);
      ((results[server] ??= {})[scenario] ??= []).push(r);
      console.log(`round ${round} ${server} ${scenario}: ${r.rps.toFixed(0)} req/s p99 ${r.p99.toFixed(1)} ms errors ${r.errors} peak ${r.peakRssMb.toFixed(0)} MB`);
    }
    await stopServer(child);
  }
}
console.log(`\n| server | scenario | req/s (median of ${ROUNDS}) | vs fastify | p99 ms | peak RSS MB |\n|---|---|---|---|---|---|`);
for (const scenario of Object.keys(scenarios)) {
  const base = median(results['fastify (1 process)'][scenario].map((r) => r.rps));
  for (const server of Object.keys(servers)) {
    const runs = results[server][scenario];
    const rps = median(runs.map((r) => r.rps));
    console.log(`| ${server} | ${scenario} | ${rps.toFixed(0)} | ${(rps / base).toFixed(2)}× | ${median(runs.map((r) => r.p99)).toFixed(1)} | ${median(runs.map((r) => r.peakRssMb)).toFixed(0)} |`);
  }
}
