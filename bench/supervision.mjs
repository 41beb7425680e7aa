#!/usr/bin/env node
// Supervision numbers: the daemon's memory, wrk load through a kill -9 of the master and
// through a reload, and what logging through the daemon (--daemon) costs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWrk, gopoolHome, median, startServer, stopServer, wrk } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const CLI = join(root, 'dist/cli/main.js');
const APP = join(root, 'bench/apps/logging-app.js');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key, text = status) => Number(text.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return { rss: kb('VmRSS') / 1024, private: kb('RssAnon') / 1024, pss: kb('Pss', rollup) / 1024 };
}

function gopool(args, env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gopool ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function background(name, home) {
  const out = gopool(['start', APP, '--daemon', '--name', name, '--port', '0', '--min-threads', '2'], { GOPOOL_HOME: home });
  const url = out.match(/on (http:\/\/\S+)/)[1];
  const status = () => JSON.parse(gopool(['status', name, '--json'], { GOPOOL_HOME: home }))[0];
  return { url, status, stop: () => gopool(['stop', name], { GOPOOL_HOME: home }) };
}

ensureWrk();
const home = gopoolHome();
const report = [];

// 1. The daemon's memory, background (lean entry) and foreground (the CLI process itself).
{
  const bg = await background('mem', home);
  await sleep(2000);
  const s = bg.status();
  const d = memory(s.daemon.pid);
  report.push(`| daemon, --daemon | ${d.rss.toFixed(1)} | ${d.pss.toFixed(1)} | ${d.private.toFixed(1)} |`);
  bg.stop();
  const { child } = await startServer(process.execPath, [CLI, 'start', APP, '--port', '0', '--name', 'memfg'], { GOPOOL_HOME: home });
  await sleep(2000);
  const f = memory(child.pid);
  report.push(`| daemon, foreground (the CLI process) | ${f.rss.toFixed(1)} | ${f.pss.toFixed(1)} | ${f.private.toFixed(1)} |`);
  await stopServer(child);
}

// 2. wrk through a kill -9 of the master and through a reload.
const events = [];
for (const [what, act] of [
  ['kill -9 of the master', (bg) => process.kill(bg.status().masterPid, 'SIGKILL')],
  ['gopool reload', (_bg) => gopool(['reload', 'load'], { GOPOOL_HOME: home })],
]) {
  const bg = await background('load', home);
  const pid = bg.status().daemon.pid;
  const run = wrk(`${bg.url}/thread`, { connections: 50, seconds: 8 }, pid);
  await sleep(3000);
  act(bg);
  const r = await run;
  events.push(`| ${what} during 8 s of wrk -c50 | ${r.rps.toFixed(0)} | ${r.errors} | ${r.refused} | ${r.p99.toFixed(1)} |`);
  bg.stop();
}

// 3. Logging: one console line per request, foreground (inherited stdout) vs --daemon (through the daemon to a file).
const logging = {};
for (let round = 0; round < ROUNDS; round++) {
  const { url, child } = await startServer(process.execPath, [CLI, 'start', APP, '--port', '0', '--name', 'logfg'], { GOPOOL_HOME: home });
  for (const path of ['/quiet', '/log']) (logging[`foreground ${path}`] ??= []).push((await wrk(url + path, { connections: 50, seconds: 5 }, child.pid)).rps);
  await stopServer(child);
  const bg = await background('logbg', home);
  const pid = bg.status().daemon.pid;
  for (const path of ['/quiet', '/log']) (logging[`--daemon ${path}`] ??= []).push((await wrk(bg.url + path, { connections: 50, seconds: 5 }, pid)).rps);
  bg.stop();
}

console.log('\n| process | RSS MB | PSS MB | private MB |\n|---|---|---|---|');
console.log(report.join('\n'));
console.log('\n| event | req/s | failed requests (wrk errors + non-2xx) | of which refused (connect errors) | p99 ms |\n|---|---|---|---|---|');
console.log(events.join('\n'));
console.log(`\n| mode, route | req/s (median of ${ROUNDS}) |\n|---|---|`);
for (const [k, v] of Object.entries(logging)) console.log(`| ${k} | ${median(v).toFixed(0)} |`);
