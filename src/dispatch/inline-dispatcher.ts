import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext, HandlerRequest } from '../api/types';
import { ERR_HANDLER_CRASHED, ERR_TIMEOUT } from '../errors';
import { AwaitingRun, AwaitingRuns } from './awaiting-runs';
import { executeRoute } from './execute-route';
import { type RequestContext, requestContext } from './handler-request';
import type { ResponseSerializers } from './response-serializers';
import type { SyncWatch } from './sync-watch';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from './task';

/** What an inline dispatcher tells, and where it finds what a handler may reach. */
export interface InlineWatchers {
  /** Told how long each handler's synchronous part ran (ms), where that decides placement (route-costs.ts). */
  onSyncTime?: ((routeKey: string, ms: number) => void) | undefined;
  /** Which handler this thread runs synchronously, for the master to interrupt a stuck one (ingress threads). */
  syncWatch?: SyncWatch | undefined;
  /** The app's fastify on this thread, for a request that did not bring fastify's own (one handed over from another thread). */
  server?: (() => FastifyInstance) | undefined;
}

/**
 * Runs handlers on the calling thread: every route in single mode, `runOn: "master"` routes on
 * the master, cheap routes on ingress threads. A timeout still answers 504 and aborts the
 * handler's signal; a handler stuck in synchronous code is the master's to interrupt (SyncWatch).
 */
export class InlineDispatcher implements Dispatcher {
  private readonly routes: Map<string, RouteDefinition>;

  private readonly onSyncTime: InlineWatchers['onSyncTime'];
  private readonly syncWatch: SyncWatch | undefined;
  private readonly server: InlineWatchers['server'];
  /** Handlers awaiting something: their timeouts, and a crash that cannot say whose it was (crashedWhileRunning). */
  private readonly awaiting = new AwaitingRuns((run, timeout) => run.fail(new ERR_TIMEOUT(timeout)));

  constructor(
    routes: RouteDefinition[],
    private readonly ctx: GopoolContext,
    private readonly log: FastifyBaseLogger,
    private readonly serializers: ResponseSerializers,
    { onSyncTime, syncWatch, server }: InlineWatchers = {},
  ) {
    this.routes = new Map(routes.map((route) => [route.key, route] as const));
    this.onSyncTime = onSyncTime;
    this.syncWatch = syncWatch;
    this.server = server;
  }

  /** For a thread that hands a request over (an ingress thread to the master): the outcome, or a rejection with a request error (timeout). */
  run(routeKey: string, task: TaskRequest, timeout: number, cancel?: Cancellation): Promise<TaskResult> {
    return new Promise<TaskResult>((resolve, reject) => {
      this.runHere(this.routes.get(routeKey)!, requestContext(task), timeout, cancel, (result, err) => {
        if (result) resolve(result);
        else reject(err);
      });
    });
  }

  /**
   * Runs a route's handler on this thread and tells `done` its outcome: synchronously when the
   * handler returned synchronously (a cheap route is answered in the same turn), otherwise when
   * it settles or its timeout passes, whichever comes first (`err` then says why: a timeout, a
   * crash nobody else could be blamed for).
   */
  runHere(
    route: RouteDefinition,
    request: RequestContext,
    timeout: number,
    cancel: Cancellation | undefined,
    done: (result: TaskResult | undefined, err?: Error) => void,
  ): void {
    const routeKey = route.key;
    const handled = request.attach(this.ctx, this.log, cancel, this.server) as RequestContext & HandlerRequest;
    const started = this.onSyncTime ? performance.now() : 0;
    this.syncWatch?.enter(routeKey, timeout, cancel);
    const run = new AwaitingRun(routeKey, request, done);
    const outcome = executeRoute(route, handled, this.serializers.for(route), { crossing: false }, (result) => {
      if (this.awaiting.remove(run)) done(result); // else timed out or blamed for a crash: answered already
    });
    this.syncWatch?.leave();
    this.onSyncTime?.(routeKey, performance.now() - started);
    if (outcome !== undefined) done(outcome);
    else this.awaiting.add(run, timeout);
  }

  /**
   * A callback a handler left behind threw (an uncaught exception on this thread): when one
   * handler was awaiting, it was that one's, and its client gets a 500 now; with several, nobody
   * can tell, and each ends on its own (answer or timeout). Returns the route it blamed.
   */
  crashedWhileRunning(): string | undefined {
    const run = this.awaiting.only();
    if (run === undefined) return undefined;
    this.awaiting.remove(run);
    run.fail(new ERR_HANDLER_CRASHED(run.routeKey));
    return run.routeKey;
  }
}
