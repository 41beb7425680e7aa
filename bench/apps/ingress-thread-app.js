// The fastify an ingress thread serves (gopool's src/ingress/threads/ingress-app.ts), on this
// process's main thread, for bench/instructions.mjs: the app file APP mounted with the same code,
// answers counted as an ingress thread counts them. Every route stays here (no pool thread in
// this process): route costs measured under valgrind are many times the real ones.
const { join } = require('node:path');
const dist = join(require.resolve('gopool'), '..');
const { defaults } = require(join(dist, 'config/resolve-options.js'));
const { createLogger } = require(join(dist, 'runtime/logger.js'));
const { loadThreadApp } = require(join(dist, 'dispatch/thread-start.js'));
const { RouteCosts } = require(join(dist, 'dispatch/route-costs.js'));
const { SyncWatch, syncWatchBuffer } = require(join(dist, 'dispatch/sync-watch.js'));
const { RequestTally } = require(join(dist, 'monitoring/request-tally.js'));
const { ingressApp } = require(join(dist, 'ingress/threads/ingress-app.js'));

async function main() {
  const options = { ...defaults(), host: '127.0.0.1', port: 0, cheapRouteMs: 3_600_000 };
  const log = createLogger('warn', 'ingress');
  const thread = await loadThreadApp(join(__dirname, process.env.APP ?? 'gopool-plugins-app.js'), [], {}, 'ingress', options, log);
  const tally = new RequestTally();
  // An ingress thread hands its tally to the master every so often; here it is only emptied.
  setInterval(() => tally.take(), 500).unref();
  const app = await ingressApp({
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
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ msg: ` listening on ${url}`, url }));
  process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
