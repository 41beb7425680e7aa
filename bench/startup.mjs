#!/usr/bin/env node
// What a start costs: the CPU a server's whole process tree spends from its command to ready
// (its "listening" line) and one settling second more, and its memory then, side by side with
// node cluster (2 workers) serving the same app, ROUNDS rounds in a fixed order, medians of each
// round's own ratios. Two apps: the bench's plain routes, and the same with plugins, a hook and
// body schemas (apps/plugins.js). A start is paid again by every restart, reload and scale-up.
// Writes bench/results/startup.json and the table in bench/README.md between its markers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds, freePort, gopoolHome, median, saveResults, startServer, stopServer, treeMemoryMb, treePids, writeMarkerBlock } from './lib.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const app = (file) => join(root, 'bench', 'apps', file);

const gopool = (file) => () =>
  startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app(file), '--port', '0'], {
    GOPOOL_HOME: gopoolHome(),
    NODE_ENV: 'production',
  });
const cluster = (routes) => async () =>
  startServer(process.execPath, [app('node-cluster.js')], { PORT: String(await freePort()), WORKERS: '2', BENCH_APP: `./${routes}`, NODE_ENV: 'production' });

/** [name, start, the cluster it is compared with] */
const SERVERS = [
  ['node cluster (2 workers)', cluster('fastify-routes'), undefined],
  ['gopool', gopool('gopool-app.js'), 'node cluster (2 workers)'],
  ['node cluster (2 workers), plugins', cluster('fastify-plugins-routes'), undefined],
  ['gopool, plugins', gopool('gopool-plugins-app.js'), 'node cluster (2 workers), plugins'],
];

/** FROM=bench/results/startup.json: no measuring, the table again from a saved run. */
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const results = saved?.results ?? {};
for (let round = 1; round <= (saved ? 0 : ROUNDS); round++) {
  for (const [name, start] of SERVERS) {
    const { child } = await start();
    await sleep(SETTLE_MS);
    const pids = treePids(child.pid);
    let cpu = 0;
    for (const pid of pids) {
      try {
        cpu += cpuSeconds(pid);
      } catch {
        /* exited */
      }
    }
    const memory = treeMemoryMb(child.pid);
    await stopServer(child);
    (results[name] ??= []).push({ cpuMs: cpu * 1000, rssMb: memory.rssMb, processes: pids.length });
    console.log(`round ${round}, ${name}: ${(cpu * 1000).toFixed(0)} ms of CPU to ready + ${SETTLE_MS} ms, ${memory.rssMb.toFixed(0)} MB RSS`);
  }
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
/** The median of each round's own ratio to the server it is compared with. */
const ratio = (name, against, key) => median(results[name].map((run, i) => run[key] / results[against]?.[i]?.[key]));
const rows = SERVERS.filter(([name]) => results[name]).map(([name, , against]) => {
  const runs = results[name];
  const cpu = median(runs.map((run) => run.cpuMs));
  const rss = median(runs.map((run) => run.rssMb));
  return `| ${name} | ${fmt(cpu)} | ${against ? `${fmt(ratio(name, against, 'cpuMs'), 2)}×` : '1.00×'} | ${fmt(rss)} | ${against ? `${fmt(ratio(name, against, 'rssMb'), 2)}×` : '1.00×'} |`;
});
const date = saved?.date ?? new Date().toISOString().slice(0, 10);
const table = [
  `Node ${saved?.node ?? process.version}, ${date}, ${saved?.rounds ?? ROUNDS} rounds (\`node bench/startup.mjs\`): CPU of the whole process tree from the command to ready and ${saved?.settleMs ?? SETTLE_MS} ms more, and its RSS then; medians, ratios the median of each round's own ratio to the cluster serving the same app.`,
  '',
  '| server | start-up CPU ms | vs cluster | RSS MB at ready | vs cluster |',
  '|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(`\n${table}`);
if (!saved) {
  saveResults('startup', { date, node: process.version, rounds: ROUNDS, settleMs: SETTLE_MS, results });
}
writeMarkerBlock('startup', table);
