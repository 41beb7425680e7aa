/**
 * What every gopool thread that runs handlers (pool or ingress) does first, in the thread
 * itself: load the user's app file, check it registered what the master has, run the app's
 * `onThreadStart`; and, when the thread retires, its `onThreadStop` (then its subscriptions to
 * topics end).
 */

import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AppDefinition } from '../api/app-definition';
import { definitionOf } from '../api/app-definition';
import { gopoolInstance } from '../api/instance';
import type { RouteDefinition } from '../api/route-registry';
import { topics } from '../api/topics';
import type { GopoolContext } from '../api/types';
import type { GopoolOptions } from '../config/options';
import { ERR_THREAD_ROUTES_DIFFER } from '../errors';
import { loadApp } from '../runtime/load-app';
import { handlerThreadCount, lifecycleArgs } from './thread-share';

export interface ThreadApp {
  definition: AppDefinition;
  routes: RouteDefinition[];
  /** Runs the app's onThreadStop (once); never rejects. */
  stop(): Promise<void>;
}

/**
 * Loads the app file here and returns its routes. Throws, with a message for the master's
 * log, if it fails to load, lacks a route the master registered (route registration must not
 * depend on the role, or a request would reach a thread without its handler), or its
 * onThreadStart fails.
 */
export async function loadThreadApp(
  appFile: string,
  masterRouteKeys: string[],
  ctx: GopoolContext,
  role: 'pool' | 'ingress',
  options: Pick<GopoolOptions, 'ingressThreads' | 'cpus' | 'maxThreads'>,
  log: Logger,
): Promise<ThreadApp> {
  process.on('unhandledRejection', (reason) => {
    // A handler's fire-and-forget promise failed. Crashing would take down every other
    // request on this thread for a failure no client is waiting on: log it instead.
    log.error({ err: reason }, 'unhandled promise rejection in a thread (work a handler did not await)');
  });
  topics().log = log;
  await loadApp(appFile);
  const gopool = gopoolInstance();
  const definition = definitionOf(gopool);
  const routes = definition.routes.list();
  const known = new Set(routes.map((route) => route.key));
  const missing = masterRouteKeys.filter((key) => !known.has(key));
  if (missing.length > 0) throw new ERR_THREAD_ROUTES_DIFFER(missing.join(', '));
  definition.freeze('the thread started');
  const args = lifecycleArgs(ctx, role, options.cpus, handlerThreadCount(options, routes));
  if (typeof gopool.onThreadStart === 'function') await gopool.onThreadStart(args);
  let stopping: Promise<void> | undefined;
  return {
    definition,
    routes,
    stop() {
      stopping ??= (async () => {
        try {
          if (typeof gopool.onThreadStop === 'function') await gopool.onThreadStop(args);
        } catch (err) {
          log.error({ err }, 'onThreadStop failed');
        }
        // After onThreadStop, which may still publish: the thread's subscriptions end here.
        topics().release();
      })();
      return stopping;
    },
  };
}

/** Heap use every second, for monitoring. Unref'd: it never keeps a retiring thread alive. */
export function reportHeap(send: (heapUsed: number, heapTotal: number) => void): NodeJS.Timeout {
  return setInterval(() => {
    const { heapUsed, heapTotal } = process.memoryUsage();
    send(heapUsed, heapTotal);
  }, 1000).unref();
}
