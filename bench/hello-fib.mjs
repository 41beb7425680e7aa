#!/usr/bin/env node
// hello and fib(30): gopool against single-process fastify, node cluster (one worker per CPU)
// and the original's design (fastify + piscina), side by side in one run, median of ROUNDS.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWrk, median, startServer, stopServer, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);

/** A free port, for the cluster (its workers must agree on one). */
function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const servers = {
  'fastify (1 process)': () => startServer(process.execPath, [join(root, 'bench/apps/fastify-single.js')], { PORT: '0' }),
  'node cluster (1 worker per CPU)': async () => startServer(process.execPath, [join(root, 'bench/apps/node-cluster.js')], { PORT: String(await freePort()) }),
  'fastify + piscina (the original design)': () => startServer(process.execPath, [join(root, 'bench/apps/fastify-piscina.js')], { PORT: '0' }),
  gopool: () => startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', join(root, 'bench/apps/gopool-app.js'), '--port', '0'], { GOPOOL_HOME: mkdtempSync(join(tmpdir(), 'gopool-bench-')) }),
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
