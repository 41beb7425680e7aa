/**
 * What every gopool thread (pool or ingress) does first, in the thread itself: load the
 * user's app file, check it registered what the master has, and report its heap.
 */
import { gopoolInstance } from '../api/instance';
import type { RouteDefinition } from '../api/route-registry';
import { loadApp } from './load-app';
import type { Logger } from './logger';

/**
 * Loads the app file here and returns its routes. Throws, with a message for the master's
 * log, if it fails to load or lacks a route the master registered: route registration must
 * not depend on the role, or a request would reach a thread without its handler.
 */
export async function loadThreadRoutes(appFile: string, masterRouteKeys: string[], log: Logger): Promise<RouteDefinition[]> {
  process.on('unhandledRejection', (reason) => {
    // A handler's fire-and-forget promise failed. Crashing would take down every other
    // request on this thread for a failure no client is waiting on: log it instead.
    log.error({ err: reason }, 'unhandled promise rejection in a thread (work a handler did not await)');
  });
  await loadApp(appFile);
  const routes = gopoolInstance().routes.list();
  const known = new Set(routes.map((route) => route.key));
  const missing = masterRouteKeys.filter((key) => !known.has(key));
  if (missing.length > 0) throw new Error(`routes registered in the master are missing in a thread: ${missing.join(', ')} (route registration must not depend on the role)`);
  return routes;
}

/** Heap use every second, for monitoring. Unref'd: it never keeps a retiring thread alive. */
export function reportHeap(send: (heapUsed: number, heapTotal: number) => void): NodeJS.Timeout {
  return setInterval(() => {
    const { heapUsed, heapTotal } = process.memoryUsage();
    send(heapUsed, heapTotal);
  }, 1000).unref();
}
