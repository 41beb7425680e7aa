import { requestStart } from '../boot/start-call';
import type { PartialOptions } from '../config/resolve-options';
import { ERR_SETUP_ARGUMENT } from '../errors';
import { definitionOf, type SetupMethod } from './app-definition';
import { jsonParser } from './json-parser';
import { HttpError, httpError, reply } from './reply';
import type { SetupMethods } from './setup-types';
import { sse } from './sse';
import { topics } from './topics';
import type {
  AppCallbacks,
  Handler,
  HeaderGetter,
  OnMasterArgs,
  RequestGetter,
  RouteGeneric,
  RouteMethod,
  RouteOptions,
  RunningServer,
  ThreadLifecycleArgs,
  TopicListener,
} from './types';

export interface RouteShorthand {
  <G extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<G>): Gopool;
  <G extends RouteGeneric = RouteGeneric>(path: string, options: RouteOptions, handler: Handler<G>): Gopool;
}

type Setup = SetupMethods<Gopool>;

/**
 * The object a user file talks to: `gopool.get(...)`, `gopool.register(...)`,
 * `gopool.onMaster = ...`, `gopool.startWithThreadsPool()`. The same file is loaded in the
 * master and in every thread, so everything here must be cheap and free of side effects until
 * a start call.
 */
export class Gopool implements AppCallbacks {
  /** Picks the request headers that cross into the thread. Default: none. */
  headerGetter: HeaderGetter | undefined = undefined;
  /** Picks what the hooks found (`request.user`, ...) to hand to the handler. Default: nothing. */
  requestGetter: RequestGetter | undefined = undefined;
  /** Runs once in the master before the threads start. */
  onMaster: ((args: OnMasterArgs) => unknown) | undefined = undefined;
  /** Runs once in every thread that runs handlers, before its first request: open per-thread resources. */
  onThreadStart: ((args: ThreadLifecycleArgs) => unknown) | undefined = undefined;
  /** Runs when such a thread retires or the server stops: close what onThreadStart opened. */
  onThreadStop: ((args: ThreadLifecycleArgs) => unknown) | undefined = undefined;

  readonly get: RouteShorthand = this.shorthand('GET');
  readonly post: RouteShorthand = this.shorthand('POST');
  readonly put: RouteShorthand = this.shorthand('PUT');
  readonly patch: RouteShorthand = this.shorthand('PATCH');
  readonly delete: RouteShorthand = this.shorthand('DELETE');
  readonly options: RouteShorthand = this.shorthand('OPTIONS');
  readonly head: RouteShorthand = this.shorthand('HEAD');
  /** Every method on one path. */
  readonly all: RouteShorthand = this.shorthand('ALL');

  /**
   * fastify's set-up, declared once here and applied on every thread that accepts connections
   * (the master and the ingress threads), before gopool's routes: plugins (`@fastify/cors`,
   * `@fastify/jwt`, ...), hooks, shared schemas, error and not-found handlers, body parsers,
   * decorators. Same arguments as on a fastify instance.
   */
  readonly register: Setup['register'] = this.setup('register') as Setup['register'];
  readonly addHook: Setup['addHook'] = this.setup('addHook') as Setup['addHook'];
  readonly addSchema: Setup['addSchema'] = this.setup('addSchema') as Setup['addSchema'];
  readonly setErrorHandler: Setup['setErrorHandler'] = this.setup('setErrorHandler') as Setup['setErrorHandler'];
  readonly setNotFoundHandler: Setup['setNotFoundHandler'] = this.setup('setNotFoundHandler') as Setup['setNotFoundHandler'];
  readonly addContentTypeParser: Setup['addContentTypeParser'] = this.setup('addContentTypeParser') as Setup['addContentTypeParser'];
  readonly decorate: Setup['decorate'] = this.setup('decorate') as Setup['decorate'];
  readonly decorateRequest: Setup['decorateRequest'] = this.setup('decorateRequest') as Setup['decorateRequest'];
  readonly decorateReply: Setup['decorateReply'] = this.setup('decorateReply') as Setup['decorateReply'];
  readonly setValidatorCompiler: Setup['setValidatorCompiler'] = this.setup('setValidatorCompiler') as Setup['setValidatorCompiler'];
  readonly setSchemaErrorFormatter: Setup['setSchemaErrorFormatter'] = this.setup('setSchemaErrorFormatter') as Setup['setSchemaErrorFormatter'];

  /** `return gopool.reply(body, { status: 201, headers: {...} })`; the body may be a stream. */
  readonly reply = reply;
  /** `return gopool.sse(events())`: server-sent events from an async iterable of `{ data, event?, id? }`. */
  readonly sse = sse;
  /** `throw gopool.httpError(404, "no such user")` */
  readonly httpError = httpError;
  readonly HttpError = HttpError;
  /**
   * gopool's JSON body parser, to declare again with options: an app whose clients send
   * `Content-Type: application/json` without a body takes them as `{}` with
   * `gopool.addContentTypeParser('application/json', gopool.jsonParser({ emptyBody: {} }))`.
   */
  readonly jsonParser = jsonParser;

  /**
   * Sends `data` to every subscriber of `topic` on every thread of this process (the ingress
   * threads' WebSocket connections, the pool threads, the master; this thread's own subscribers
   * too), as a structured clone, in the background: it returns at once. Throws
   * GOPOOL_ERR_PUBLISH_NOT_CLONEABLE, having sent nothing, if `data` cannot be cloned. One
   * process only: several processes or machines need a broker (Redis pub/sub) between them.
   */
  publish(topic: string, data: unknown): void {
    topics().publish(topic, data);
  }

  /**
   * Calls `listener` with each message published to `topic` from any thread of this process,
   * from now on, on this thread. Returns the function that ends the subscription (call it when
   * the WebSocket connection closes). Subscriptions end by themselves when the thread stops,
   * and never keep a thread alive.
   */
  subscribe<T = unknown>(topic: string, listener: TopicListener<T>): () => void {
    return topics().subscribe(topic, listener);
  }

  /** How many subscriptions this thread holds, to `topic` or to any topic. */
  subscriptions(topic?: string): number {
    return topics().subscriptions(topic);
  }

  /** Starts the daemon, the master and the elastic thread pool (in the roles where that applies). */
  startWithThreadsPool(options: PartialOptions = {}): Promise<RunningServer | undefined> {
    return requestStart(this, { mode: 'pool', options }) as Promise<RunningServer | undefined>;
  }

  /** Runs every route in one thread of one process: no pool, no daemon. */
  startWithSingle(options: PartialOptions = {}): Promise<RunningServer | undefined> {
    return requestStart(this, { mode: 'single', options }) as Promise<RunningServer | undefined>;
  }

  private shorthand(method: RouteMethod | 'ALL'): RouteShorthand {
    return ((path: string, optionsOrHandler: RouteOptions | Handler, maybeHandler?: Handler) => {
      const [options, handler] = typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler, maybeHandler];
      definitionOf(this).routes.add(method, path, options ?? {}, handler as Handler);
      return this;
    }) as RouteShorthand;
  }

  private setup(method: SetupMethod): (...args: unknown[]) => Gopool {
    return (...args: unknown[]) => {
      if (args.length === 0) throw new ERR_SETUP_ARGUMENT(method, 'arguments are missing');
      definitionOf(this).record(method, args);
      return this;
    };
  }
}
