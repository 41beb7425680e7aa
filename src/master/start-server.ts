import { join } from 'node:path';
import type { Gopool, RunningServer, StartMode } from '../api/gopool';
import type { GopoolOptions } from '../config/options';
import { InlineDispatcher } from '../dispatch/inline-dispatcher';
import { ThreadPool } from '../dispatch/pool/thread-pool';
import { boundUrl, createFastify } from '../ingress/create-fastify';
import { drainHttpServer } from '../ingress/drain';
import { gopoolRoutes } from '../ingress/gopool-routes';
import type { Listen } from '../ingress/listen';
import { GopoolError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import type { MasterStats } from '../supervision/ipc';
import { runOnMaster } from './on-master';

export interface ServerArgs {
  gopool: Gopool;
  options: GopoolOptions;
  log: Logger;
  appFile: string;
  mode: StartMode;
  listen: Listen;
}

export interface Server extends RunningServer {
  pool: ThreadPool | undefined;
  stats(): MasterStats;
}

/**
 * The serving process: runs `onMaster`, starts the pool (pool mode: it loads the app file in
 * a thread to prove it can), mounts the routes, listens. Single mode runs every handler
 * inline on this thread instead.
 */
export async function startServer({ gopool, options, log, appFile, mode, listen }: ServerArgs): Promise<Server> {
  const startedAt = Date.now();
  const app = createFastify(options, log);
  const ctx = await runOnMaster(gopool, app, mode === 'pool');
  const routes = gopool.routes.list();
  const inline = new InlineDispatcher(routes, ctx, log);
  const pool = mode === 'pool' && routes.some((route) => route.options.runOn !== 'master') ? createPool(gopool, options, log, appFile, ctx) : undefined;
  if (pool) {
    try {
      await pool.start();
    } catch (err) {
      await pool.close(0);
      throw new GopoolError(`the worker threads could not start: ${(err as Error).message}`);
    }
  }
  await app.register(gopoolRoutes({
    routes,
    dispatcherFor: (route) => (pool && route.options.runOn !== 'master' ? pool : inline),
    headerGetter: gopool.headerGetter,
    defaultTimeout: options.timeout,
    log,
  }));
  let url = '';
  const stats = (): MasterStats => ({ pid: process.pid, url, uptimeMs: Date.now() - startedAt, memory: process.memoryUsage(), pool: pool?.stats() ?? null });
  if (options.infoUrl) app.get(options.infoUrl, () => ({ name: options.name, mode, ...stats() }));
  try {
    await listen(app, options);
  } catch (err) {
    await pool?.close(0);
    throw err;
  }
  const bound = boundUrl(app);
  url = bound.url;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound.port,
    pool,
    stats,
    close() {
      closing ??= (async () => {
        const deadline = Date.now() + options.gracePeriod;
        await drainHttpServer(app.server, options.gracePeriod);
        await app.close(); // runs the onClose hooks of plugins the user registered in onMaster
        await pool?.close(Math.max(0, deadline - Date.now()));
      })();
      return closing;
    },
  };
}

function createPool(gopool: Gopool, options: GopoolOptions, log: Logger, appFile: string, ctx: Record<string, unknown>): ThreadPool {
  return new ThreadPool({
    threadFile: join(__dirname, '..', 'dispatch', 'pool', 'thread-main.js'),
    threadData: { appFile, ctx, logLevel: options.logLevel, routeKeys: gopool.routes.list().map((route) => route.key) },
    minThreads: options.minThreads,
    maxThreads: options.maxThreads,
    maxQueue: options.maxQueue,
    idleTimeout: options.idleTimeout,
    concurrency: options.concurrency,
    maxThreadMemory: options.maxThreadMemory,
    log,
  });
}
