/**
 * Public types of the route API. They mirror fastify's RouteGeneric and route options so that
 * a fastify user reads them without a manual: `gopool.get<{ Params: { id: string } }>(...)`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  FastifySchema,
  onErrorHookHandler,
  onRequestHookHandler,
  onResponseHookHandler,
  onSendHookHandler,
  preHandlerHookHandler,
  preParsingHookHandler,
  preValidationHookHandler,
  RouteShorthandOptions,
} from 'fastify';

/**
 * The `ctx` built in `onMaster` and cloned into every thread. Declaration merging gives it
 * a shape: `declare module "gopool" { interface GopoolContext { db: { url: string } } }`.
 */
export interface GopoolContext {
  // biome-ignore lint/suspicious/noExplicitAny: an app without a declaration reads any field of its ctx
  [key: string]: any;
}

/**
 * What `gopool.requestGetter` adds to every handler's request (e.g. `user` from a JWT hook).
 * Declaration merging gives it a shape: `declare module "gopool" { interface GopoolRequest { user: User } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: empty until an app declares its fields (declaration merging needs an interface)
export interface GopoolRequest {}

export interface RouteGeneric {
  Params?: unknown;
  Querystring?: unknown;
  Body?: unknown;
  Headers?: unknown;
}

type Or<T, Fallback> = unknown extends T ? Fallback : T;

/** What a handler receives, wherever it runs. */
export interface HandlerRequest<G extends RouteGeneric = RouteGeneric> extends GopoolRequest {
  method: string;
  url: string;
  params: Or<G['Params'], Record<string, string>>;
  query: Or<G['Querystring'], Record<string, string | string[]>>;
  body: Or<G['Body'], unknown>;
  /** Only the headers that `gopool.headerGetter` picked (none by default). */
  headers: Or<G['Headers'], Record<string, unknown>>;
  ctx: GopoolContext;
  /** The request id, as in fastify's log lines (`reqId`). */
  id: string;
  /** The client's address (behind a proxy: as `trustProxy` allows). */
  ip: string;
  /** The request's cookies, when a cookie plugin (@fastify/cookie) is registered. */
  cookies?: Record<string, string | undefined>;
  /** A pino logger bound to this request's id, on whichever thread the handler runs. */
  log: FastifyBaseLogger;
  /** Aborts when the request times out or the client goes away: pass it to fetch, database drivers. */
  signal: AbortSignal;
  /**
   * The app's fastify instance on the thread that runs the handler, with what the app's
   * plugins decorated it with (`server.jwt.sign(...)` of @fastify/jwt, `gopool.decorate`d
   * values), whichever thread that is. Not a server to add routes to.
   */
  server: FastifyInstance;
}

export type Handler<G extends RouteGeneric = RouteGeneric> = (request: HandlerRequest<G>) => unknown;

/** Where a handler runs. */
export type RunOn = 'auto' | 'pool' | 'master';

/** fastify's route-level hooks, run on the thread that accepted the connection. */
export interface RouteHooks {
  onRequest?: onRequestHookHandler | onRequestHookHandler[];
  preParsing?: preParsingHookHandler | preParsingHookHandler[];
  preValidation?: preValidationHookHandler | preValidationHookHandler[];
  preHandler?: preHandlerHookHandler | preHandlerHookHandler[];
  onSend?: onSendHookHandler | onSendHookHandler[];
  onResponse?: onResponseHookHandler | onResponseHookHandler[];
  onError?: onErrorHookHandler | onErrorHookHandler[];
}

export interface RouteOptions extends RouteHooks {
  /** Milliseconds before the client gets 504; defaults to the `timeout` option. */
  timeout?: number;
  /**
   * `auto` (default): measured. Not measured yet, it runs on a pool thread, where its CPU cost
   * per request is measured: its synchronous run plus its continuations after awaits. Under
   * `cheapRouteMs` it runs inline on the ingress thread that accepted the connection (crossing
   * a thread would cost more than the handler), otherwise on a pool thread.
   * `pool`: always on a pool thread. `master`: always inline on the master thread.
   */
  runOn?: RunOn;
  /**
   * fastify's route schema: `body`, `querystring`, `params` and `headers` are validated on the
   * accepting thread before any thread is used (400 when invalid); `response` serializes the
   * handler's result with fastify's serializer on the thread that ran it.
   */
  schema?: FastifySchema;
  /** fastify's route `config`, readable by hooks as `request.routeOptions.config`. */
  config?: RouteShorthandOptions['config'];
  /** Largest body of this route in bytes (default: the `bodyLimit` option). */
  bodyLimit?: number;
  /** fastify's per-route log level. */
  logLevel?: RouteShorthandOptions['logLevel'];
  /**
   * `'parsed'` (default): `body` is the parsed body (JSON, text, form fields, multipart parts).
   * `'stream'`: `body` is the raw body as a web `ReadableStream<Uint8Array>`, read as the handler
   * pulls it (on whichever thread it runs), for uploads written to disk or forwarded; no content
   * type parser runs. `bodyLimit` still applies (413).
   */
  body?: 'parsed' | 'stream';
  /** Milliseconds a streamed response may produce nothing while its client waits (default: the `streamIdleTimeout` option; 0: no limit). */
  streamIdleTimeout?: number;
}

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';
export const ROUTE_METHODS: readonly RouteMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export type HeaderValue = string | number | string[];
export type ResponseHeaders = Record<string, HeaderValue>;

/** What a start function resolves to in the process that serves HTTP. */
export interface RunningServer {
  /** `http://host:port` as actually bound (useful with port 0). */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish within the grace period, stops the pool. */
  close(): Promise<void>;
}

export interface OnMasterArgs {
  /**
   * A fastify scope of the master, for the master's own routes: routes added here are
   * answered by the master itself, and hooks, plugins and parsers set up here apply to those
   * routes only (the app's routes are served by ingress threads: set them up on `gopool`; a
   * call here that used to reach them logs a warning naming its replacement). What
   * `gopool.register` and `gopool.addHook` set up applies here too.
   */
  app: FastifyInstance;
  /** Filled here, structured-cloned into every thread (so: no functions, no sockets). */
  ctx: GopoolContext;
}

export interface ThreadLifecycleArgs {
  /** The thread's copy of the `ctx` built in `onMaster`. */
  ctx: GopoolContext;
  /** `pool`: runs handlers from the central queue; `ingress`: accepts connections; `master`; `single`. */
  role: 'pool' | 'ingress' | 'master' | 'single';
  /** The CPUs the process plans for (the `cpus` option). */
  cpus: number;
  /**
   * The most threads that may run the app's handlers at once, this one included: every
   * ingress thread (`ingressThreads`, at most `cpus`), every pool thread (`maxThreads`), and
   * the master when a route is `runOn: 'master'`; 1 under `startWithSingle`.
   */
  handlerThreads: number;
  /**
   * This thread's share of a per-process budget (database connections, say):
   * `Math.floor(budget / handlerThreads)`, at least 1, so that the shares of every thread
   * that runs handlers add up to at most `budget`: `new Pool({ max: share(10) })`. With a
   * budget under `handlerThreads` each thread still gets 1, and they may add up to
   * `handlerThreads`.
   */
  share(budget: number): number;
}

/**
 * Called with each message published to a topic it subscribed to (`gopool.subscribe`), from
 * whichever thread of the process published it. `data` is this thread's copy: the listeners of
 * one thread share it, so read it without changing it. What it throws (or rejects with) is
 * logged; it never reaches the publisher.
 */
export type TopicListener<T = unknown> = (data: T) => unknown;

export type HeaderGetter = (headers: IncomingHttpHeaders) => Record<string, unknown>;
/** Picks fields of the fastify request, after its hooks ran, to hand to the handler. */
export type RequestGetter = (request: FastifyRequest) => Record<string, unknown>;

/**
 * The callbacks a user's file sets on `gopool`, as the code that starts the server reads them
 * (the `Gopool` class has them). Typed here, apart from the class, so that the start-up code
 * never imports the public API it is started from.
 */
export interface AppCallbacks {
  headerGetter: HeaderGetter | undefined;
  requestGetter: RequestGetter | undefined;
  onMaster: ((args: OnMasterArgs) => unknown) | undefined;
  onThreadStart: ((args: ThreadLifecycleArgs) => unknown) | undefined;
  onThreadStop: ((args: ThreadLifecycleArgs) => unknown) | undefined;
}
