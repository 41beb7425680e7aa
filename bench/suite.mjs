#!/usr/bin/env node
// The benchmark suite: the original's scenarios (idle memory, simple hello, fib(30) per
// request, and a mixed load: hello while fib saturates), gopool against single-process
// fastify, node cluster (one worker per CPU) and the original's design (fastify + piscina),
// side by side in one run on this machine, ROUNDS rounds, medians. Writes
// bench/results/suite.json, bench/results/suite.svg and the README's benchmark table.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWrk, median, startServer, stopServer, treeMemoryMb, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
/** gopool's threads retire after idle-timeout (15 s): idle memory is measured after it. */
const IDLE_WAIT_MS = Number(process.env.IDLE_WAIT_MS ?? 17_000);

const freePort = () => new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
});

const FASTIFY = 'fastify (1 process)';
const CLUSTER = `node cluster (${availableParallelism()} workers)`;
const PISCINA = 'fastify + piscina (the original design)';
const GOPOOL = 'gopool';
const servers = {
  [FASTIFY]: () => startServer(process.execPath, [join(root, 'bench/apps/fastify-single.js')], { PORT: '0' }),
  [CLUSTER]: async () => startServer(process.execPath, [join(root, 'bench/apps/node-cluster.js')], { PORT: String(await freePort()) }),
  [PISCINA]: () => startServer(process.execPath, [join(root, 'bench/apps/fastify-piscina.js')], { PORT: '0' }),
  [GOPOOL]: () => startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', join(root, 'bench/apps/gopool-app.js'), '--port', '0'], { GOPOOL_HOME: mkdtempSync(join(tmpdir(), 'gopool-bench-')) }),
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(url, pid) {
  // Warm-up: JIT, and gopool starts its ingress threads and learns each route's cost.
  await wrk(`${url}/hello`, { connections: 50, seconds: 3 }, pid);
  const hello = await wrk(`${url}/hello`, { connections: 50, seconds: SECONDS }, pid);
  await wrk(`${url}/fib/30`, { connections: 8, seconds: 1 }, pid);
  const fib = await wrk(`${url}/fib/30`, { connections: 8, seconds: SECONDS }, pid);
  // Mixed: 8 connections keep fib(30) saturating the server; hello is measured meanwhile.
  const heavy = wrk(`${url}/fib/30`, { connections: 8, seconds: SECONDS + 3 }, pid);
  await sleep(1500);
  const mixedHello = await wrk(`${url}/hello`, { connections: 10, seconds: SECONDS }, pid);
  const mixedFib = await heavy;
  return { hello, fib, mixed: { hello: mixedHello, fib: mixedFib } };
}

ensureWrk();
const runs = Object.fromEntries(Object.keys(servers).map((name) => [name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  // All servers start together and sit idle for the same time; then each is loaded in turn
  // while the others stay idle (they use no CPU).
  const started = {};
  for (const [name, start] of Object.entries(servers)) started[name] = await start();
  await sleep(IDLE_WAIT_MS);
  const idle = Object.fromEntries(Object.entries(started).map(([name, { child }]) => [name, treeMemoryMb(child.pid)]));
  for (const [name, { url, child }] of Object.entries(started)) {
    const result = { idle: idle[name], ...(await measure(url, child.pid)) };
    runs[name].push(result);
    console.log(`round ${round} ${name}: idle PSS ${result.idle.pssMb.toFixed(0)} MB | hello ${result.hello.rps.toFixed(0)} req/s p99 ${result.hello.p99.toFixed(1)} ms peak PSS ${result.hello.peakPssMb.toFixed(0)} MB | fib ${result.fib.rps.toFixed(0)} req/s p50 ${result.fib.p50.toFixed(0)} p99 ${result.fib.p99.toFixed(0)} ms | mixed hello p99 ${result.mixed.hello.p99.toFixed(1)} ms, fib ${result.mixed.fib.rps.toFixed(0)} req/s`);
  }
  for (const { child } of Object.values(started)) await stopServer(child);
}

// ---- summary -----------------------------------------------------------------------------
const med = (name, pick) => median(runs[name].map(pick));
const summary = {};
for (const name of Object.keys(servers)) {
  summary[name] = {
    idleRssMb: med(name, (r) => r.idle.rssMb), idlePssMb: med(name, (r) => r.idle.pssMb),
    helloRps: med(name, (r) => r.hello.rps), helloP50: med(name, (r) => r.hello.p50), helloP99: med(name, (r) => r.hello.p99),
    helloErrors: med(name, (r) => r.hello.errors),
    fibRps: med(name, (r) => r.fib.rps), fibP50: med(name, (r) => r.fib.p50), fibP99: med(name, (r) => r.fib.p99), fibErrors: med(name, (r) => r.fib.errors),
    mixedHelloP99: med(name, (r) => r.mixed.hello.p99), mixedHelloRps: med(name, (r) => r.mixed.hello.rps), mixedFibRps: med(name, (r) => r.mixed.fib.rps),
    loadRssMb: med(name, (r) => Math.max(r.hello.peakRssMb, r.fib.peakRssMb, r.mixed.fib.peakRssMb)),
    loadPssMb: med(name, (r) => Math.max(r.hello.peakPssMb, r.fib.peakPssMb, r.mixed.fib.peakPssMb)),
  };
}
const g = summary[GOPOOL];
const targets = [
  ['hello ≥ 1.2× single fastify', g.helloRps / summary[FASTIFY].helloRps, 1.2, '≥'],
  ['fib(30) ≥ 1.0× node cluster', g.fibRps / summary[CLUSTER].fibRps, 1.0, '≥'],
  ['fib(30) p99 ≤ 1.5× its p50', g.fibP99 / g.fibP50, 1.5, '≤'],
  ['mixed: hello p99 ≤ 50 ms', g.mixedHelloP99, 50, '≤'],
  ['memory under load (PSS) ≤ 0.75× node cluster', g.loadPssMb / summary[CLUSTER].loadPssMb, 0.75, '≤'],
  ['idle memory (PSS, daemon included) ≤ 1.3× single fastify', g.idlePssMb / summary[FASTIFY].idlePssMb, 1.3, '≤'],
].map(([target, value, bound, op]) => ({ target, value, bound, met: op === '≥' ? value >= bound : value <= bound }));

const f0 = (x) => x.toFixed(0);
const f1 = (x) => x.toFixed(1);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const lines = [
  `Machine: ${availableParallelism()} CPUs, Node ${process.version}; wrk on 127.0.0.1, ${SECONDS} s per measurement, median of ${ROUNDS} rounds (\`npm run bench\`, ${new Date().toISOString().slice(0, 10)}).`,
  '',
  '| server | hello req/s | vs fastify | hello p99 ms | fib(30) req/s | vs cluster | fib p50 / p99 ms | mixed: hello p99 ms | mixed: fib req/s | idle PSS / RSS MB | under load PSS / RSS MB |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...Object.entries(summary).map(([name, s]) => `| ${name} | ${f0(s.helloRps)} | ${ratio(s.helloRps, summary[FASTIFY].helloRps)} | ${f1(s.helloP99)} | ${f0(s.fibRps)} | ${ratio(s.fibRps, summary[CLUSTER].fibRps)} | ${f0(s.fibP50)} / ${f0(s.fibP99)} | ${f1(s.mixedHelloP99)} | ${f0(s.mixedFibRps)} | ${f0(s.idlePssMb)} / ${f0(s.idleRssMb)} | ${f0(s.loadPssMb)} / ${f0(s.loadRssMb)} |`),
  '',
  '| gopool target | measured | met |',
  '|---|---|---|',
  ...targets.map((t) => `| ${t.target} | ${t.target.includes('ms') && !t.target.includes('×') ? `${f1(t.value)} ms` : `${t.value.toFixed(2)}×`} | ${t.met ? 'yes' : 'no'} |`),
];
const table = lines.join('\n');
console.log(`\n${table}`);

const outDir = join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'suite.json'), `${JSON.stringify({ date: new Date().toISOString(), cpus: availableParallelism(), node: process.version, rounds: ROUNDS, seconds: SECONDS, summary, targets, runs }, null, 2)}\n`);
writeFileSync(join(outDir, 'suite.svg'), chart(summary));
const readme = join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const replaced = text.replace(/(<!-- bench:start -->\n)[\s\S]*?(\n<!-- bench:end -->)/, `$1${table}$2`);
if (replaced !== text) writeFileSync(readme, replaced);
console.log(`\nwrote bench/results/suite.json, bench/results/suite.svg${replaced !== text ? ' and the README table' : ''}`);

/** Grouped bars: each server's ratio to single fastify, per measure. Plain SVG, no library. */
function chart(s) {
  const measures = [['hello req/s', 'helloRps'], ['fib(30) req/s', 'fibRps'], ['memory under load (PSS)', 'loadPssMb'], ['idle memory (PSS)', 'idlePssMb']];
  const names = Object.keys(s);
  const colors = ['#8c8c8c', '#4f81bd', '#c0504d', '#2e9e5b'];
  const W = 760, H = 320, left = 40, top = 40, bottom = 60, groupW = (W - left - 20) / measures.length, barW = (groupW - 30) / names.length;
  const max = Math.max(...measures.flatMap(([, key]) => names.map((n) => s[n][key] / s[FASTIFY][key])));
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`;
  svg += `<rect width="${W}" height="${H}" fill="white"/><text x="${left}" y="20" font-size="13">Ratio to single-process fastify (higher is better for req/s, lower for memory)</text>`;
  svg += `<line x1="${left}" x2="${W - 10}" y1="${y(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4"/>`;
  measures.forEach(([label, key], i) => {
    const x0 = left + i * groupW + 15;
    names.forEach((n, j) => {
      const v = s[n][key] / s[FASTIFY][key];
      svg += `<rect x="${x0 + j * barW}" y="${y(v)}" width="${barW - 2}" height="${y(0) - y(v)}" fill="${colors[j % colors.length]}"/>`;
      svg += `<text x="${x0 + j * barW + barW / 2 - 1}" y="${y(v) - 3}" text-anchor="middle">${v.toFixed(2)}</text>`;
    });
    svg += `<text x="${x0 + groupW / 2 - 15}" y="${H - bottom + 15}" text-anchor="middle">${label}</text>`;
  });
  names.forEach((n, j) => {
    svg += `<rect x="${left + j * 185}" y="${H - 25}" width="10" height="10" fill="${colors[j % colors.length]}"/><text x="${left + j * 185 + 14}" y="${H - 16}">${n}</text>`;
  });
  return `${svg}</svg>\n`;
}
