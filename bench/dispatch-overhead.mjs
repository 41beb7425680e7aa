#!/usr/bin/env node
// Master CPU per task: gopool's ThreadPool against piscina (the reference pool, both
// atomics modes) on the same tiny handler, side by side, median of ROUNDS rounds.
// This is the measurement behind writing our own dispatcher (src/dispatch/pool/thread-pool.ts).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { median } from './lib.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const { ThreadPool } = require(join(root, 'dist/dispatch/pool/thread-pool.js'));
const { Piscina } = require('piscina');
const pino = require('pino');

const TASKS = Number(process.env.TASKS ?? 50_000);
const IN_FLIGHT = 64;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const request = { method: 'GET', url: '/hello?name=x', params: {}, query: { name: 'x' }, body: undefined, headers: {} };

async function measure(run) {
  for (let i = 0; i < 2000; i++) await run();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let issued = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (issued++ < TASKS) await run();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / TASKS, perSecond: TASKS / ((performance.now() - t0) / 1000) };
}

const gopool = new ThreadPool({
  threadFile: join(root, 'dist/dispatch/pool/thread-main.js'),
  threadData: { appFile: join(root, 'bench/apps/gopool-app.js'), ctx: {}, logLevel: 'warn', routeKeys: ['GET /hello'] },
  minThreads: 2,
  maxThreads: 2,
  maxQueue: 1e6,
  idleTimeout: 60_000,
  concurrency: 64,
  maxThreadMemory: 0,
  log: pino({ level: 'warn' }),
});
await gopool.start();
const task = join(root, 'bench/apps/piscina-task.js');
const contenders = {
  'gopool ThreadPool': () => gopool.run('GET /hello', request, 10_000),
  "piscina atomics:'async'": (
    (pool) => () =>
      pool.run(request)
  )(new Piscina({ filename: task, minThreads: 2, maxThreads: 2, atomics: 'async' })),
  "piscina atomics:'sync'": (
    (pool) => () =>
      pool.run(request)
  )(new Piscina({ filename: task, minThreads: 2, maxThreads: 2, atomics: 'sync' })),
};

const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(contenders)) (results[name] ??= []).push(await measure(run));
}
const base = median(results['gopool ThreadPool'].map((r) => r.cpuUs));
console.log(`\n| dispatcher (2 threads, ${IN_FLIGHT} in flight) | master CPU µs/task (median of ${ROUNDS}) | × gopool | tasks/s |\n|---|---|---|---|`);
for (const [name, runs] of Object.entries(results)) {
  const cpu = median(runs.map((r) => r.cpuUs));
  console.log(`| ${name} | ${cpu.toFixed(1)} | ${(cpu / base).toFixed(1)}× | ${median(runs.map((r) => r.perSecond)).toFixed(0)} |`);
}
process.exit(0);
