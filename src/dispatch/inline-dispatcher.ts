import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext } from '../api/types';
import { ERR_CLIENT_GONE, ERR_HANDLER_CRASHED, ERR_TIMEOUT } from '../errors';
import { executeRoute } from './execute-route';
import { handlerRequest } from './handler-request';
import type { ResponseSerializers } from './response-serializers';
import type { SyncWatch } from './sync-watch';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from './task';


/**
 * Runs handlers on the calling thread: every route in single mode, `runOn: "master"` routes on
 * the master, cheap routes on ingress threads. A timeout still answers 504 and aborts the
 * handler's signal; a handler stuck in synchronous code is the master's to interrupt (SyncWatch).
 */
export class InlineDispatcher implements Dispatcher {
  private readonly routes: Map<string, RouteDefinition>;

  /** Told how long each handler's synchronous part ran (ms), to learn what routes cost. */
  onSyncTime: ((routeKey: string, ms: number) => void) | undefined;
  syncWatch: SyncWatch | undefined;
  /** Handlers awaiting something, for a crash that cannot say whose it was (crashedWhileRunning). */
  private readonly awaiting = new Set<{ routeKey: string; fail: (err: Error) => void }>();

  constructor(routes: RouteDefinition[], private readonly ctx: GopoolContext, private readonly log: FastifyBaseLogger, private readonly serializers: ResponseSerializers) {
    this.routes = new Map(routes.map((route) => [route.key, route] as const));
  }

  run(routeKey: string, task: TaskRequest, timeout: number, cancel?: Cancellation): TaskResult | Promise<TaskResult> {
    const route = this.routes.get(routeKey)!;
    const request = handlerRequest(task, this.ctx, this.log, cancel ? () => cancel.watch() : undefined);
    if (cancel) cancel.onCancel = () => request.abort(new ERR_CLIENT_GONE());
    const started = this.onSyncTime ? performance.now() : 0;
    this.syncWatch?.enter(routeKey, timeout, cancel);
    const outcome = executeRoute(route, request, this.serializers.for(route), false);
    this.syncWatch?.leave();
    this.onSyncTime?.(routeKey, performance.now() - started);
    if (!(outcome instanceof Promise)) return outcome;
    return new Promise<TaskResult>((resolve, reject) => {
      const run = { routeKey, fail: (err: Error) => { clearTimeout(timer); this.awaiting.delete(run); request.abort(err); reject(err); } };
      const timer = setTimeout(() => run.fail(new ERR_TIMEOUT(timeout)), timeout);
      this.awaiting.add(run);
      void outcome.then((result) => {
        clearTimeout(timer);
        this.awaiting.delete(run);
        resolve(result);
      });
    });
  }

  /**
   * A callback a handler left behind threw (an uncaught exception on this thread): when one
   * handler was awaiting, it was that one's, and its client gets a 500 now; with several, nobody
   * can tell, and each ends on its own (answer or timeout). Returns the route it blamed.
   */
  crashedWhileRunning(): string | undefined {
    if (this.awaiting.size !== 1) return undefined;
    const [run] = this.awaiting;
    run!.fail(new ERR_HANDLER_CRASHED(run!.routeKey));
    return run!.routeKey;
  }
}
