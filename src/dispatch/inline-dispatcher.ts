import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext } from '../api/types';
import { ERR_CLIENT_GONE, ERR_TIMEOUT } from '../errors';
import { executeRoute } from './execute-route';
import { handlerRequest } from './handler-request';
import type { ResponseSerializers } from './response-serializers';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from './task';

/**
 * Tells a watchdog outside this thread which handler is running synchronously right now, so
 * that one stuck in synchronous code can be interrupted (see ingress/threads/stuck-handlers.ts).
 */
export interface SyncWatch {
  enter(routeKey: string, timeout: number): void;
  leave(): void;
}

/**
 * Runs handlers on the calling thread: every route in single mode, `runOn: "master"` routes on
 * the master, cheap routes on ingress threads. A timeout still answers 504 and aborts the
 * handler's signal; a handler stuck in synchronous code is the watchdog's (SyncWatch).
 */
export class InlineDispatcher implements Dispatcher {
  private readonly routes: Map<string, RouteDefinition>;

  /** Told how long each handler's synchronous part ran (ms), to learn what routes cost. */
  onSyncTime: ((routeKey: string, ms: number) => void) | undefined;
  syncWatch: SyncWatch | undefined;

  constructor(routes: RouteDefinition[], private readonly ctx: GopoolContext, private readonly log: FastifyBaseLogger, private readonly serializers: ResponseSerializers) {
    this.routes = new Map(routes.map((route) => [route.key, route] as const));
  }

  run(routeKey: string, task: TaskRequest, timeout: number, cancel?: Cancellation): TaskResult | Promise<TaskResult> {
    const route = this.routes.get(routeKey)!;
    const request = handlerRequest(task, this.ctx, this.log, cancel ? () => cancel.watch() : undefined);
    if (cancel) cancel.onCancel = () => request.abort(new ERR_CLIENT_GONE());
    const started = this.onSyncTime ? performance.now() : 0;
    this.syncWatch?.enter(routeKey, timeout);
    const outcome = executeRoute(route, request, this.serializers.for(route), false);
    this.syncWatch?.leave();
    this.onSyncTime?.(routeKey, performance.now() - started);
    if (!(outcome instanceof Promise)) return outcome;
    return new Promise<TaskResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new ERR_TIMEOUT(timeout);
        request.abort(err);
        reject(err);
      }, timeout);
      void outcome.then((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }
}
