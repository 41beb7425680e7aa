#!/usr/bin/env node
// The exact per-request CPU cost of metrics on the master, measured in isolation (end-to-end
// runs on a 2-core machine are too noisy to resolve it): what the onResponse hook reads from
// fastify and records, and what the pool records per task. Median of ROUNDS rounds.
// Then the alternatives a library offers for the same recording (prom-client's Histogram and
// Counter per request, perf_hooks' histogram alone), and what loading prom-client costs the
// master's memory: the reasons written at the top of src/monitoring/prometheus-buckets.ts and
// src/monitoring/prometheus.ts.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { median } from './lib.mjs';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const Fastify = require('fastify');
const { Metrics } = require(join(root, 'dist/monitoring/metrics.js'));
const { RequestTally } = require(join(root, 'dist/monitoring/request-tally.js'));
const N = 2_000_000;
const ROUNDS = Number(process.env.ROUNDS ?? 5);

function nsPerCall(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / N;
}

function table(title, parts, totalLabel) {
  const results = {};
  for (let round = 0; round < ROUNDS; round++) for (const [name, fn] of Object.entries(parts)) (results[name] ??= []).push(nsPerCall(fn));
  let total = 0;
  console.log(`\n| ${title} | ns (median of ${ROUNDS} × ${N}) |\n|---|---|`);
  for (const [name, values] of Object.entries(results)) {
    const ns = median(values);
    total += ns;
    console.log(`| ${name} | ${ns.toFixed(0)} |`);
  }
  if (totalLabel) console.log(`| ${totalLabel} | ${total.toFixed(0)} |`);
}

// A real fastify request and reply, to time the getters the hook reads.
const app = Fastify({ logger: false });
let captured;
app.addHook('onResponse', (req, reply, done) => {
  captured = { req, reply };
  done();
});
app.get('/hello', () => ({ hello: 'world' }));
await app.inject({ method: 'GET', url: '/hello' });
const { req, reply } = captured;

const metrics = new Metrics('bench', 'pool');
const tally = new RequestTally();
let sink = 0;
table(
  'per request, on the master',
  {
    'req.routeOptions (route pattern)': () => {
      sink += req.routeOptions.url.length;
    },
    'reply.elapsedTime': () => {
      sink += reply.elapsedTime;
    },
    'metrics.recordRequest': (i) => metrics.recordRequest('GET', '/hello', 200, (i % 100) / 10),
    'metrics.recordTask (pool routes)': (i) => metrics.recordTask((i % 50) / 100, (i % 100) / 10),
  },
  'total',
);
table('per request, on an ingress thread', {
  'RequestTally.record': (i) => {
    tally.record('GET', '/hello', 200, (i % 100) / 10);
    if (i % 10_000 === 0) tally.take();
  },
});

// The same recording through prom-client (what gopool's own counts replace), and perf_hooks'
// histogram alone (what the latency window records into).
const { Registry, Histogram, Counter } = require('prom-client');
const registry = new Registry();
const duration = new Histogram({
  name: 'd_seconds',
  help: 'd',
  labelNames: ['method', 'route'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const requests = new Counter({ name: 'r_total', help: 'r', labelNames: ['method', 'route', 'status'], registers: [registry] });
const hdr = createHistogram({ lowest: 1, highest: 100_000_000, figures: 1 });
table('per request, alternatives', {
  'prom-client Histogram.observe (method, route)': (i) => duration.observe({ method: 'GET', route: '/hello' }, (i % 100) / 10_000),
  'prom-client Counter.inc (method, route, status)': () => requests.inc({ method: 'GET', route: '/hello', status: '2xx' }),
  'perf_hooks histogram.record': (i) => hdr.record((i % 100) * 100 + 1),
});

// Memory: a fresh Node loading prom-client's package index, or only the classes prometheus.ts loads.
const probe = (code) => {
  const rss = [];
  for (let round = 0; round < ROUNDS; round++) {
    const out = spawnSync(process.execPath, ['-e', `const a = process.memoryUsage().rss; ${code}; console.log(process.memoryUsage().rss - a)`], {
      cwd: root,
      encoding: 'utf8',
    });
    rss.push(Number(out.stdout) / 1048576);
  }
  return median(rss);
};
console.log(`\n| loading prom-client in a fresh process | RSS MB (median of ${ROUNDS}) |\n|---|---|`);
console.log(`| require('prom-client') (the package index) | ${probe("require('prom-client')").toFixed(1)} |`);
console.log(
  `| its Registry, Gauge, Counter and Histogram classes only | ${probe("for (const m of ['registry', 'gauge', 'counter', 'histogram']) require('prom-client/lib/' + m)").toFixed(1)} |`,
);
if (sink === 42) console.log('');
