// The fastify an ingress thread serves (gopool's src/ingress/threads/ingress-app.ts), without
// gopool's master, daemon or pool: the app file APP mounted with the same code, answers counted
// as an ingress thread counts them, every route run where it was accepted. Run as a program it
// serves on this process's main thread (bench/instructions.mjs; in a node cluster's workers,
// apps/node-cluster.js with WORKER_FILE); apps/worker-threads.js (INGRESS=1) serves `ingressThreadApp()` on worker threads.
const { join } = require('node:path');
const dist = join(require.resolve('gopool'), '..');
const { defaults } = require(join(dist, 'config/resolve-options.js'));
const { createLogger } = require(join(dist, 'runtime/logger.js'));
const { loadThreadApp } = require(join(dist, 'dispatch/thread-start.js'));
const { RouteCosts } = require(join(dist, 'dispatch/route-costs.js'));
const { SyncWatch, syncWatchBuffer } = require(join(dist, 'dispatch/sync-watch.js'));
const { RequestTally } = require(join(dist, 'monitoring/request-tally.js'));
const { ingressApp } = require(join(dist, 'ingress/threads/ingress-app.js'));

/** The ingress fastify of APP, not listening yet. */
async function ingressThreadApp() {
  const options = { ...defaults(), host: '127.0.0.1', port: 0, cheapRouteMs: 3_600_000 };
  const log = createLogger('warn', 'ingress');
  const thread = await loadThreadApp(join(__dirname, process.env.APP ?? 'gopool-plugins-app.js'), [], {}, 'ingress', options, log);
  const tally = new RequestTally();
  // An ingress thread hands its tally to the master every so often; here it is only emptied.
  setInterval(() => tally.take(), 500).unref();
  return ingressApp({
    thread,
    options,
    log,
    ctx: {},
    costs: new RouteCosts(),
    syncWatch: new SyncWatch(
      syncWatchBuffer(),
      thread.routes.map((route) => route.key),
    ),
    onAnswered: tally.record.bind(tally),
    placed: (placement) => {
      for (const route of thread.routes) placement.learn(route.key, 0.001, 0);
    },
  });
}

async function main() {
  const app = await ingressThreadApp();
  // In a node cluster's workers, port 0 is one port the primary shares among them.
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ msg: ` listening on ${url}`, url }));
  process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });

module.exports = { ingressThreadApp };
