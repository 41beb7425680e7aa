#!/usr/bin/env node
// Load that comes back after a quiet spell, as a day's traffic does: the realistic API's list
// of articles (apps/api-gopool.js, PostgreSQL) for 5 s at 50 connections, then IDLE_MS of no
// requests (past gopool's idleTimeout, 15 s: its second ingress thread and its pool threads
// retire), TURNS times, on gopool and on node cluster (2 workers) in turn. Reports each turn's
// p99 and the threads gopool started (its /_info counters): every thread it starts again costs
// its start, its JIT warm-up and its database connections, inside a turn's latency.
// Writes bench/results/load-returns.json and the table in bench/README.md between its markers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWrk, freePort, gopoolHome, installPeers, saveResults, startServer, stopServer, writeMarkerBlock, wrk } from './lib.mjs';
import { seedApi, startPostgres } from './postgres.mjs';

const root = join(import.meta.dirname, '..');
const TURNS = Number(process.env.TURNS ?? 4);
const IDLE_MS = Number(process.env.IDLE_MS ?? 21_000);
const PATH = '/api/articles?limit=20&offset=0';
const HEADERS = { origin: 'https://app.bench.example' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** FROM=bench/results/load-returns.json: no measuring, the table again from a saved run. */
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const results = saved?.results ?? {};
if (!saved) {
  ensureWrk();
  installPeers(root);
  const database = await startPostgres(await freePort());
  process.on('exit', () => database.stop());
  await seedApi(database.url);
  const env = { DATABASE_URL: database.url, PG_POOL_MAX: '10', PG_BUDGET: '20', JWT_SECRET: 'bench-api-secret-please-change' };
  const servers = {
    gopool: () =>
      startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', join(root, 'bench/apps/api-gopool.js'), '--port', '0', '--info-url', '/_info'], {
        ...env,
        GOPOOL_HOME: gopoolHome(),
      }),
    'node cluster (2 workers)': async () =>
      startServer(process.execPath, [join(root, 'bench/apps/node-cluster.js')], {
        ...env,
        PORT: String(await freePort()),
        WORKERS: '2',
        BENCH_APP: './api-fastify-routes',
      }),
  };
  for (const [name, start] of Object.entries(servers)) {
    const { url, child } = await start();
    const started = async () => {
      if (name !== 'gopool') return undefined;
      const info = await (await fetch(`${url}/_info`)).json();
      return { ingress: info.ingress?.started ?? 0, pool: info.pool?.threadsStarted ?? 0 };
    };
    const turns = [];
    for (let turn = 1; turn <= TURNS; turn++) {
      const before = await started();
      const run = await wrk(`${url}${PATH}`, { connections: 50, seconds: 5, headers: HEADERS }, child.pid);
      const after = await started();
      turns.push({
        rps: run.rps,
        p99: run.p99,
        errors: run.errors,
        ...(after ? { ingressStarted: after.ingress - before.ingress, poolStarted: after.pool - before.pool } : {}),
      });
      console.log(
        `${name}, turn ${turn}: ${run.rps.toFixed(0)} req/s, p99 ${run.p99.toFixed(0)} ms${after ? `, threads started: ${after.ingress - before.ingress} ingress, ${after.pool - before.pool} pool` : ''}`,
      );
      if (turn < TURNS) await sleep(IDLE_MS);
    }
    results[name] = turns;
    await stopServer(child);
  }
}

const names = Object.keys(results);
const count = Math.max(...names.map((name) => results[name].length));
const cell = (run) => (run ? `${run.p99.toFixed(0)}${run.poolStarted !== undefined ? ` (${run.ingressStarted} + ${run.poolStarted})` : ''}` : '');
const date = saved?.date ?? new Date().toISOString().slice(0, 10);
const table = [
  `Node ${saved?.node ?? process.version}, ${date} (\`node bench/load-returns.mjs\`): the API's list of articles, 5 s at 50 connections per turn, ${saved?.idleMs ?? IDLE_MS} ms without requests between turns. p99 ms of each turn; for gopool, in brackets, the ingress + pool threads it started during the turn.`,
  '',
  `| server | ${Array.from({ length: count }, (_, i) => `turn ${i + 1}`).join(' | ')} |`,
  `|---|${'---|'.repeat(count)}`,
  ...names.map((name) => `| ${name} | ${Array.from({ length: count }, (_, i) => cell(results[name][i])).join(' | ')} |`),
].join('\n');
console.log(`\n${table}`);
if (!saved) saveResults('load-returns', { date, node: process.version, idleMs: IDLE_MS, turns: TURNS, results });
writeMarkerBlock('load-returns', table);
