#!/usr/bin/env node
// What monitoring costs on the request path: hello requests/s with metrics on (the default)
// and off (--metrics false), alternating in one run, median of ROUNDS rounds.
import { join } from 'node:path';
import { childPids, cpuSeconds, ensureWrk, gopoolHome, median, startServer, stopServer, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SECONDS = Number(process.env.SECONDS ?? 5);
const home = gopoolHome();

ensureWrk();
const results = { on: [], off: [] };
const cpu = { on: [], off: [] };
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of round % 2 ? ['on', 'off'] : ['off', 'on']) {
    const { url, child } = await startServer(
      process.execPath,
      [
        join(root, 'dist/cli/main.js'),
        'start',
        join(root, 'bench/apps/gopool-app.js'),
        '--port',
        '0',
        '--name',
        `cost-${mode}`,
        '--info-url',
        '/_gopool',
        '--metrics',
        mode === 'on' ? 'true' : 'false',
      ],
      { GOPOOL_HOME: home },
    );
    const master = childPids(child.pid)[0];
    await wrk(`${url}/hello`, { connections: 50, seconds: 1 }, child.pid);
    const before = cpuSeconds(master);
    const r = await wrk(`${url}/hello`, { connections: 50, seconds: SECONDS }, child.pid);
    const usPerRequest = ((cpuSeconds(master) - before) / r.requests) * 1e6;
    results[mode].push(r.rps);
    cpu[mode].push(usPerRequest);
    console.log(`round ${round} metrics ${mode}: ${r.rps.toFixed(0)} req/s, master process CPU ${usPerRequest.toFixed(1)} µs/request`);
    await stopServer(child);
  }
}
const on = median(results.on);
const off = median(results.off);
const perRound = results.on.map((v, i) => v / results.off[i]);
const cpuOn = median(cpu.on);
const cpuOff = median(cpu.off);
console.log(`\n| metrics | hello req/s (median of ${ROUNDS}) | master process CPU µs/request (median) |\n|---|---|---|`);
console.log(`| off | ${off.toFixed(0)} | ${cpuOff.toFixed(1)} |\n| on (default) | ${on.toFixed(0)} | ${cpuOn.toFixed(1)} |`);
console.log(`\nthroughput on/off = ${(on / off).toFixed(3)} (per round: ${perRound.map((r) => r.toFixed(2)).join(', ')})`);
console.log(
  `CPU per request on/off = ${(cpuOn / cpuOff).toFixed(3)}: metrics cost ${((cpuOn / cpuOff - 1) * 100).toFixed(1)}% of the master's CPU per request`,
);
