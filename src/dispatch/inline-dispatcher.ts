import { performance } from 'node:perf_hooks';
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext } from '../api/types';
import type { Logger } from '../runtime/logger';
import { executeRoute } from './execute-route';
import { DispatchError, type Dispatcher, type TaskRequest, type TaskResult } from './task';

/**
 * Runs handlers on the calling thread: every route in single mode, `runOn: "master"` routes
 * in pool mode. A timeout still answers 504, but a handler stuck in synchronous code stalls
 * this thread; that is the price of running inline.
 */
export class InlineDispatcher implements Dispatcher {
  private readonly routes: Map<string, RouteDefinition>;

  /** Told how long each handler's synchronous part ran (ms), to learn what routes cost. */
  onSyncTime: ((routeKey: string, ms: number) => void) | undefined;

  constructor(routes: RouteDefinition[], private readonly ctx: GopoolContext, private readonly log: Logger) {
    this.routes = new Map(routes.map((route) => [route.key, route] as const));
  }

  run(routeKey: string, request: TaskRequest, timeout: number): TaskResult | Promise<TaskResult> {
    const started = this.onSyncTime ? performance.now() : 0;
    const outcome = executeRoute(this.routes.get(routeKey)!, request, this.ctx, this.log);
    this.onSyncTime?.(routeKey, performance.now() - started);
    if (!(outcome instanceof Promise)) return outcome;
    return new Promise<TaskResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DispatchError('timeout', `no response within ${timeout} ms`)), timeout);
      void outcome.then((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }
}
