#!/usr/bin/env node
// What one process.nextTick costs in a started server, gopool against plain fastify: the same
// app (apps/gopool-plugins-app.js in single mode, apps/fastify-plugins-routes.js: CORS, an
// auth hook, a POST route with a body schema), each in a process of its own; 2 s after it
// listens, 20 bursts of 20000 nextTicks, the fastest burst's time per tick. ROUNDS (3) rounds,
// medians. node schedules several ticks per request, so a slow tick is paid on each of them:
// without src/runtime/tick-maps.ts gopool's start-up left nextTick's inline caches
// megamorphic (its own tables in bench/README.md). Writes bench/results/tick-cost.json and
// the table in bench/README.md between its tick-cost:start/end markers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, saveResults, writeMarkerBlock } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const app = (file) => join(root, 'bench', 'apps', file);

const SERVERS = {
  'gopool startWithSingle': `require(${JSON.stringify(app('gopool-plugins-app.js'))}).startWithSingle({ port: 0, host: '127.0.0.1' });`,
  'fastify (1 process)': `require(${JSON.stringify(app('fastify-plugins-routes.js'))})().listen({ port: 0, host: '127.0.0.1' });`,
};

const MEASURE = `
const burst = (n) => new Promise((resolve) => {
  const started = process.hrtime.bigint();
  const noop = () => {};
  for (let i = 0; i < n; i++) process.nextTick(noop);
  setImmediate(() => resolve(Number(process.hrtime.bigint() - started) / n));
});
setTimeout(async () => {
  const times = [];
  for (let i = 0; i < 20; i++) times.push(await burst(20000));
  process.stdout.write('TICK_NS ' + Math.min(...times) + '\\n');
  process.exit(0);
}, 2000);
`;

/** FROM=bench/results/tick-cost.json: no measuring, the table again from a saved run. */
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const runs = saved?.runs ?? {};
for (let round = 1; round <= (saved ? 0 : ROUNDS); round++) {
  const order = Object.keys(SERVERS);
  if (round % 2 === 0) order.reverse();
  for (const name of order) {
    // A file, not `node -e`: gopool's start needs the app's script (process.argv[1]).
    const dir = mkdtempSync(join(tmpdir(), 'gopool-tick-'));
    const script = join(dir, 'server.js');
    writeFileSync(script, `${SERVERS[name]}\n${MEASURE}`);
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    const ns = Number(/TICK_NS (\S+)/.exec(child.stdout)?.[1]);
    if (!Number.isFinite(ns)) throw new Error(`${name}: no measurement\n${child.stdout}\n${child.stderr}`);
    (runs[name] ??= []).push(ns);
    console.log(`round ${round} ${name}: ${ns.toFixed(0)} ns per process.nextTick`);
  }
}

const names = Object.keys(SERVERS);
const fastify = 'fastify (1 process)';
const ratio = (name) => median(runs[name].map((ns, i) => ns / runs[fastify][i]));
const table = [
  `Machine: ${saved?.cpus ?? availableParallelism()} CPUs; the fastest of 20 bursts of 20000 \`process.nextTick\` calls, 2 s after the server listens, median of ${runs[fastify].length} rounds (\`node bench/tick-cost.mjs\`, ${(saved?.date ?? new Date().toISOString()).slice(0, 10)}, Node ${saved?.node ?? process.version}).`,
  '',
  '| server (the plugin app: CORS, an auth hook, a POST route with a body schema) | ns per nextTick | × fastify |',
  '|---|---|---|',
  ...names.map((name) => `| ${name} | ${median(runs[name]).toFixed(0)} | ${ratio(name).toFixed(2)}× |`),
  '',
  '| target | measured | met |',
  '|---|---|---|',
  `| gopool's nextTick ≤ 1.5× plain fastify's | ${ratio('gopool startWithSingle').toFixed(2)}× | ${ratio('gopool startWithSingle') <= 1.5 ? 'yes' : 'no'} |`,
].join('\n');
console.log(`\n${table}`);
if (!saved) {
  saveResults('tick-cost', { date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), rounds: ROUNDS, runs });
}
writeMarkerBlock('tick-cost', table);
