import { join } from 'node:path';
import type { Gopool, RunningServer } from '../api/gopool';
import type { GopoolOptions } from '../config/options';
import { InlineDispatcher } from '../dispatch/inline-dispatcher';
import { ThreadPool } from '../dispatch/pool/thread-pool';
import { boundUrl, createFastify, listenOn } from '../ingress/create-fastify';
import { gopoolRoutes } from '../ingress/gopool-routes';
import { GopoolError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { closeWithinGrace } from './close-within-grace';
import { runOnMaster } from './on-master';

export interface PoolMasterArgs {
  gopool: Gopool;
  options: GopoolOptions;
  log: Logger;
  appFile: string;
}

export interface PoolMaster extends RunningServer {
  pool: ThreadPool;
}

/**
 * The master: runs `onMaster`, starts the pool (which loads the app file in a thread to prove
 * it can), mounts the routes and listens.
 */
export async function runPoolMaster({ gopool, options, log, appFile }: PoolMasterArgs): Promise<PoolMaster> {
  const app = createFastify(options, log);
  const ctx = await runOnMaster(gopool, app, true);
  const routes = gopool.routes.list();
  const pool = new ThreadPool({
    threadFile: join(__dirname, '..', 'dispatch', 'pool', 'thread-main.js'),
    threadData: { appFile, ctx, logLevel: options.logLevel, routeKeys: routes.map((route) => route.key) },
    minThreads: options.minThreads,
    maxThreads: options.maxThreads,
    maxQueue: options.maxQueue,
    idleTimeout: options.idleTimeout,
    concurrency: options.concurrency,
    maxThreadMemory: options.maxThreadMemory,
    log,
  });
  try {
    await pool.start();
  } catch (err) {
    await pool.close(0);
    throw new GopoolError(`the worker threads could not start: ${(err as Error).message}`);
  }
  const inline = new InlineDispatcher(routes, ctx, log);
  await app.register(gopoolRoutes({
    routes,
    dispatcherFor: (route) => (route.options.runOn === 'master' ? inline : pool),
    headerGetter: gopool.headerGetter,
    defaultTimeout: options.timeout,
    log,
  }));
  if (options.infoUrl) {
    app.get(options.infoUrl, () => ({ name: options.name, pid: process.pid, uptime: process.uptime(), memory: process.memoryUsage(), pool: pool.stats() }));
  }
  try {
    await listenOn(app, options);
  } catch (err) {
    await pool.close(0);
    throw err;
  }
  const { url, port } = boundUrl(app);
  return {
    url,
    port,
    pool,
    async close() {
      await closeWithinGrace(app, options.gracePeriod);
      await pool.close(options.gracePeriod);
    },
  };
}
