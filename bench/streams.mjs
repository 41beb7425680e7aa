#!/usr/bin/env node
// Streaming throughput: a 10 MiB response made on a gopool pool thread against plain fastify
// streaming the same bytes (bench/apps/streams-*.js), side by side in one run, ROUNDS rounds in
// alternating order, medians. wrk downloads with CONNECTIONS connections for SECONDS seconds.
// gopool with its defaults: the stream is made on a pool thread (runOn 'pool') and sent by the
// ingress thread that accepted the connection (pool thread -> ingress thread directly).
// Writes bench/results/streams.json and the table in bench/README.md between its markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, ensureWrk, gopoolHome, median, saveResults, startServer, stopServer, treePids, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 4);
const MIB_PER_RESPONSE = 10;
const app = (file) => join(root, 'bench', 'apps', file);
const gopool =
  (...args) =>
  () =>
    startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app('streams-gopool.js'), '--port', '0', ...args], {
      GOPOOL_HOME: gopoolHome(),
    });

const FASTIFY = 'fastify (1 process), the stream made and sent on its one thread';
const GOPOOL = 'gopool, defaults: made on a pool thread, sent by an ingress thread';
const servers = {
  [FASTIFY]: () => startServer(process.execPath, [app('streams-fastify.js')]),
  [GOPOOL]: gopool(),
};

ensureWrk();
console.log(
  `load average before: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
const runs = {};
for (let round = 1; round <= ROUNDS; round++) {
  const order = Object.keys(servers);
  if (round % 2 === 0) order.reverse();
  for (const name of order) {
    const { url, child } = await servers[name]();
    try {
      await wrk(`${url}/stream`, { connections: CONNECTIONS, seconds: 2 }, child.pid); // warm-up: JIT, threads
      // CPU of every process of the server (gopool: daemon and master, all threads).
      const pids = treePids(child.pid);
      const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
      const result = await wrk(`${url}/stream`, { connections: CONNECTIONS, seconds: SECONDS }, child.pid);
      const cpuMsPerResponse = ((pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore) * 1000) / result.requests;
      const mibps = result.rps * MIB_PER_RESPONSE;
      (runs[name] ??= []).push({ ...result, mibps, cpuMsPerResponse });
      console.log(
        `round ${round} ${name}: ${mibps.toFixed(0)} MiB/s (${result.rps.toFixed(1)} responses/s, p50 ${result.p50.toFixed(0)} ms, server CPU ${cpuMsPerResponse.toFixed(1)} ms per response, errors ${result.errors}, peak RSS ${result.peakRssMb.toFixed(0)} MB)`,
      );
    } finally {
      await stopServer(child);
    }
  }
}

const med = (name, pick) => median(runs[name].map(pick));
const rows = Object.fromEntries(
  Object.keys(servers).map((name) => [
    name,
    {
      mibps: med(name, (r) => r.mibps),
      p50: med(name, (r) => r.p50),
      rss: med(name, (r) => r.peakRssMb),
      cpu: med(name, (r) => r.cpuMsPerResponse),
      errors: runs[name].reduce((sum, r) => sum + r.errors, 0),
      all: runs[name].map((r) => Math.round(r.mibps)),
    },
  ]),
);
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const table = [
  `Machine: ${availableParallelism()} CPUs; wrk on 127.0.0.1 with ${CONNECTIONS} connections, ${SECONDS} s per measurement, median of ${ROUNDS} rounds (\`node bench/streams.mjs\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}).`,
  '',
  '| server (GET of a 10 MiB stream, 64 KiB chunks) | MiB/s | × fastify | the rounds, MiB/s | time per response p50 ms | server CPU ms per response | peak RSS MB | errors |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.entries(rows).map(
    ([name, r]) =>
      `| ${name} | ${fmt(r.mibps)} | ${(r.mibps / rows[FASTIFY].mibps).toFixed(2)}× | ${r.all.join(', ')} | ${fmt(r.p50)} | ${fmt(r.cpu, 1)} | ${fmt(r.rss)} | ${r.errors} |`,
  ),
].join('\n');
console.log(`\n${table}`);
saveResults('streams', { date: new Date().toISOString(), node: process.version, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, runs, rows });
const readme = join(root, 'bench', 'README.md');
const text = readFileSync(readme, 'utf8');
if (text.includes('<!-- streams:start -->')) writeFileSync(readme, text.replace(/(<!-- streams:start -->\n)[\s\S]*?(<!-- streams:end -->)/, `$1${table}\n$2`));
