import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext } from '../api/types';
import { ERR_HANDLER_CRASHED, ERR_TIMEOUT } from '../errors';
import { executeRoute } from './execute-route';
import { handlerRequest } from './handler-request';
import type { ResponseSerializers } from './response-serializers';
import type { SyncWatch } from './sync-watch';
import { CpuSampler } from './cpu-sampler';
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
  /** Told how long a sampled handler's continuations kept this thread busy (ms). */
  onAsyncTime: ((routeKey: string, ms: number) => void) | undefined;
  readonly sampler = new CpuSampler();
  syncWatch: SyncWatch | undefined;
  /** Handlers awaiting something, for a crash that cannot say whose it was (crashedWhileRunning). */
  private readonly awaiting = new Set<{ routeKey: string; fail: (err: Error) => void }>();

  constructor(
    routes: RouteDefinition[],
    private readonly ctx: GopoolContext,
    private readonly log: FastifyBaseLogger,
    private readonly serializers: ResponseSerializers,
  ) {
    this.routes = new Map(routes.map((route) => [route.key, route] as const));
  }

  run(routeKey: string, task: TaskRequest, timeout: number, cancel?: Cancellation): TaskResult | Promise<TaskResult> {
    const route = this.routes.get(routeKey)!;
    const request = handlerRequest(task, this.ctx, this.log, cancel);
    const started = this.onSyncTime ? performance.now() : 0;
    this.syncWatch?.enter(routeKey, timeout, cancel);
    const sample =
      this.onAsyncTime && this.sampler.wants(routeKey)
        ? this.sampler.sample(routeKey, () => executeRoute(route, request, this.serializers.for(route), false))
        : undefined;
    const outcome = sample ? sample.value : executeRoute(route, request, this.serializers.for(route), false);
    this.syncWatch?.leave();
    this.onSyncTime?.(routeKey, performance.now() - started);
    if (!(outcome instanceof Promise)) {
      if (sample) this.onAsyncTime?.(routeKey, sample.finish());
      return outcome;
    }
    if (sample) void outcome.then(() => this.onAsyncTime?.(routeKey, sample.finish()));
    return new Promise<TaskResult>((resolve, reject) => {
      const run = {
        routeKey,
        fail: (err: Error) => {
          clearTimeout(timer);
          this.awaiting.delete(run);
          request.abort(err);
          reject(err);
        },
      };
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
