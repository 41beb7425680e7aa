/**
 * Public types of the route API. They mirror fastify's RouteGeneric so that a fastify
 * user reads them without a manual: `gopool.get<{ Params: { id: string } }>(...)`.
 */

/**
 * The `ctx` built in `onMaster` and cloned into every thread. Declaration merging gives it
 * a shape: `declare module "gopool" { interface GopoolContext { db: { url: string } } }`.
 */
export interface GopoolContext {
  [key: string]: any;
}

export interface RouteGeneric {
  Params?: unknown;
  Querystring?: unknown;
  Body?: unknown;
  Headers?: unknown;
}

type Or<T, Fallback> = unknown extends T ? Fallback : T;

/** What a handler receives. Everything in it has crossed a thread boundary by structured clone. */
export interface HandlerRequest<G extends RouteGeneric = RouteGeneric> {
  method: string;
  url: string;
  params: Or<G['Params'], Record<string, string>>;
  query: Or<G['Querystring'], Record<string, string | string[]>>;
  body: Or<G['Body'], unknown>;
  /** Only the headers that `gopool.headerGetter` picked (none by default). */
  headers: Or<G['Headers'], Record<string, unknown>>;
  ctx: GopoolContext;
}

export type Handler<G extends RouteGeneric = RouteGeneric> = (request: HandlerRequest<G>) => unknown;

/** Where a handler runs. */
export type RunOn = 'auto' | 'pool' | 'master';

export interface RouteOptions {
  /** Milliseconds before the client gets 504; defaults to the `timeout` option. */
  timeout?: number;
  /**
   * `auto` (default): measured; while its synchronous run time stays under `cheapRouteMs`
   * (1 ms) it runs inline on the ingress thread that accepted the connection (crossing a
   * thread would cost more than the handler), otherwise on a worker thread. On connections
   * the master accepted it runs on a worker thread: a handler's bug never costs the master.
   * `pool`: always on a worker thread. `master`: always inline on the master thread.
   */
  runOn?: RunOn;
}

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';
export const ROUTE_METHODS: readonly RouteMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export type HeaderValue = string | number | string[];
export type ResponseHeaders = Record<string, HeaderValue>;
