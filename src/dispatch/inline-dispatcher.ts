import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext, HandlerRequest } from '../api/types';
import { ERR_HANDLER_CRASHED, ERR_TIMEOUT } from '../errors';
import { AwaitingRun, AwaitingRuns } from './awaiting-runs';
import { executeRoute } from './execute-route';
import { type RequestContext, requestContext } from './handler-request';
import type { ResponseSerializers } from './response-serializers';
import type { RouteCost, RouteCosts } from './route-costs';
import type { SerializerFor } from './serialize-result';
import type { SyncWatch } from './sync-watch';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from './task';

/** What an inline dispatcher tells, and where it finds what a handler may reach. */
export interface InlineWatchers {
  /** Where each handler's synchronous run is recorded (ms), where that decides placement (ingress threads). */
  costs?: RouteCosts | undefined;
  /** Which handler this thread runs synchronously, for the master to interrupt a stuck one (ingress threads). */
  syncWatch?: SyncWatch | undefined;
  /** The app's fastify on this thread, for a request that did not bring fastify's own (one handed over from another thread). */
  server?: (() => FastifyInstance) | undefined;
}

/** What the dispatcher keeps per route, found once (InlineDispatcher.prepare) rather than by the route's key on every request. */
export class InlineRoute {
  constructor(
    readonly route: RouteDefinition,
    readonly serializer: SerializerFor | undefined,
    /** Where its synchronous runs are recorded, when they decide placement. */
    readonly cost: RouteCost | undefined,
    /** Its index for the SyncWatch. */
    readonly watchIndex: number,
  ) {}
}

/**
 * Runs handlers on the calling thread: every route in single mode, `runOn: "master"` routes on
 * the master, cheap routes on ingress threads. A timeout still answers 504 and aborts the
 * handler's signal; a handler stuck in synchronous code is the master's to interrupt (SyncWatch).
 */
export class InlineDispatcher implements Dispatcher {
  private readonly routes: Map<string, InlineRoute>;

  private readonly syncWatch: SyncWatch | undefined;
  private readonly server: InlineWatchers['server'];
  /** Handlers awaiting something: their timeouts, and a crash that cannot say whose it was (crashedWhileRunning). */
  private readonly awaiting = new AwaitingRuns((run, timeout) => run.fail(new ERR_TIMEOUT(timeout)));

  constructor(
    routes: RouteDefinition[],
    private readonly ctx: GopoolContext,
    private readonly log: FastifyBaseLogger,
    serializers: ResponseSerializers,
    { costs, syncWatch, server }: InlineWatchers = {},
  ) {
    this.routes = new Map(
      routes.map((route) => [route.key, new InlineRoute(route, serializers.for(route), costs?.of(route.key), syncWatch?.indexOf(route.key) ?? -1)] as const),
    );
    this.syncWatch = syncWatch;
    this.server = server;
  }

  /** What runHere takes for a route: asked once per route, when it is mounted. */
  prepare(route: RouteDefinition): InlineRoute {
    // Routes mounted are the routes this dispatcher was made with.
    return this.routes.get(route.key)!;
  }

  /** For a thread that hands a request over (an ingress thread to the master): the outcome, or a rejection with a request error (timeout). */
  run(routeKey: string, task: TaskRequest, timeout: number, cancel?: Cancellation): Promise<TaskResult> {
    return new Promise<TaskResult>((resolve, reject) => {
      this.runHere(this.routes.get(routeKey)!, requestContext(task), timeout, cancel, (_cancel, result, err) => {
        if (result) resolve(result);
        else reject(err);
      });
    });
  }

  /**
   * Runs a route's handler on this thread and tells `done` its outcome: synchronously when the
   * handler returned synchronously (a cheap route is answered in the same turn), otherwise when
   * it settles or its timeout passes, whichever comes first (`err` then says why: a timeout, a
   * crash nobody else could be blamed for). `done` is told the request's cancellation too, so
   * that a caller can hand one function for all of a route's requests, not one per request.
   */
  runHere<C extends Cancellation | undefined>(
    inline: InlineRoute,
    request: RequestContext,
    timeout: number,
    cancel: C,
    done: (cancel: C, result: TaskResult | undefined, err?: Error) => void,
  ): void {
    const handled = request.attach(this.ctx, this.log, cancel, this.server) as RequestContext & HandlerRequest;
    const cost = inline.cost;
    const started = cost !== undefined ? performance.now() : 0;
    this.syncWatch?.enter(inline.route.key, timeout, cancel, inline.watchIndex);
    const outcome = executeRoute(inline.route, handled, inline.serializer, { crossing: false });
    this.syncWatch?.leave();
    cost?.recordSync(performance.now() - started);
    if (!(outcome instanceof Promise)) {
      done(cancel, outcome);
      return;
    }
    const run = new AwaitingRun(inline.route.key, request, (result, err) => done(cancel, result, err));
    this.awaiting.add(run, timeout);
    void outcome.then((result) => {
      if (this.awaiting.remove(run)) run.done(result); // else timed out or blamed for a crash: answered already
    });
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
