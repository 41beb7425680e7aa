#!/usr/bin/env node
// The mixed load: hello latency while fib(30) saturates the server. wrk keeps 8 connections
// on /fib/30 for the whole run; a second wrk measures /hello on 10 connections meanwhile.
// Median of ROUNDS rounds, servers side by side.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWrk, median, startServer, stopServer, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const freePort = () => new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
});
const servers = {
  'fastify (1 process)': () => startServer(process.execPath, [join(root, 'bench/apps/fastify-single.js')], { PORT: '0' }),
  'node cluster (1 worker per CPU)': async () => startServer(process.execPath, [join(root, 'bench/apps/node-cluster.js')], { PORT: String(await freePort()) }),
  'fastify + piscina (the original design)': () => startServer(process.execPath, [join(root, 'bench/apps/fastify-piscina.js')], { PORT: '0' }),
  gopool: () => startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', join(root, 'bench/apps/gopool-app.js'), '--port', '0'], { GOPOOL_HOME: mkdtempSync(join(tmpdir(), 'gopool-bench-')) }),
};

ensureWrk();
const results = {};
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, start] of Object.entries(servers)) {
    const { url, child } = await start();
    await wrk(`${url}/hello`, { connections: 10, seconds: 1 }, child.pid); // warm up, and let gopool learn both routes' costs
    await wrk(`${url}/fib/30`, { connections: 8, seconds: 1 }, child.pid);
    const fib = wrk(`${url}/fib/30`, { connections: 8, seconds: 8 }, child.pid);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const hello = await wrk(`${url}/hello`, { connections: 10, seconds: 5 }, child.pid);
    const heavy = await fib;
    (results[name] ??= []).push({ hello, fib: heavy });
    console.log(`round ${round} ${name}: hello ${hello.rps.toFixed(0)} req/s p99 ${hello.p99.toFixed(1)} ms, fib ${heavy.rps.toFixed(0)} req/s p99 ${heavy.p99.toFixed(1)} ms`);
    await stopServer(child);
  }
}
console.log(`\n| server (mixed load) | hello req/s | hello p50 ms | hello p99 ms | fib(30) req/s | fib p99 ms |\n|---|---|---|---|---|---|`);
for (const [name, runs] of Object.entries(results)) {
  const m = (f) => median(runs.map(f));
  console.log(`| ${name} | ${m((r) => r.hello.rps).toFixed(0)} | ${m((r) => r.hello.p50).toFixed(1)} | ${m((r) => r.hello.p99).toFixed(1)} | ${m((r) => r.fib.rps).toFixed(0)} | ${m((r) => r.fib.p99).toFixed(0)} |`);
}
