#!/usr/bin/env node
// The exact per-request CPU cost of metrics on the master, measured in isolation (end-to-end
// runs on a 2-core machine are too noisy to resolve it): what the onResponse hook reads from
// fastify and records, and what the pool records per task. Median of ROUNDS rounds.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { median } from './lib.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const Fastify = require('fastify');
const { Metrics } = require(join(root, 'dist/monitoring/metrics.js'));
const N = 2_000_000;
const ROUNDS = Number(process.env.ROUNDS ?? 5);

function nsPerCall(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / N;
}

// A real fastify request and reply, to time the getters the hook reads.
const app = Fastify({ logger: false });
let captured;
app.addHook('onResponse', (req, reply, done) => { captured = { req, reply }; done(); });
app.get('/hello', () => ({ hello: 'world' }));
await app.inject({ method: 'GET', url: '/hello' });
const { req, reply } = captured;

const metrics = new Metrics('bench', 'pool');
let sink = 0;
const parts = {
  'req.routeOptions (route pattern)': () => { sink += req.routeOptions.url.length; },
  'reply.elapsedTime': () => { sink += reply.elapsedTime; },
  'metrics.recordRequest': (i) => metrics.recordRequest('GET', '/hello', 200, (i % 100) / 10),
  'metrics.recordTask (pool routes)': (i) => metrics.recordTask((i % 50) / 100, (i % 100) / 10),
};
const results = {};
for (let round = 0; round < ROUNDS; round++) for (const [name, fn] of Object.entries(parts)) (results[name] ??= []).push(nsPerCall(fn));
let total = 0;
console.log(`\n| per request, on the master | ns (median of ${ROUNDS} × ${N}) |\n|---|---|`);
for (const [name, values] of Object.entries(results)) {
  const ns = median(values);
  total += ns;
  console.log(`| ${name} | ${ns.toFixed(0)} |`);
}
console.log(`| total | ${total.toFixed(0)} |`);
if (sink === 42) console.log('');
