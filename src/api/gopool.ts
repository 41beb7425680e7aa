import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { PartialOptions } from '../config/resolve-options';
import { HttpError, httpError, reply } from './reply';
import { RouteRegistry } from './route-registry';
import type { GopoolContext, Handler, RouteGeneric, RouteMethod, RouteOptions } from './types';

export type StartMode = 'pool' | 'single';

export interface StartRequest {
  mode: StartMode;
  options: PartialOptions;
}

/** What a start function resolves to in the process that serves HTTP. */
export interface RunningServer {
  /** `http://host:port` as actually bound (useful with port 0). */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish within the grace period, stops the pool. */
  close(): Promise<void>;
}

export interface OnMasterArgs {
  /** The master's fastify instance: routes added here are answered by the master itself. */
  app: FastifyInstance;
  /** Filled here, structured-cloned into every thread (so: no functions, no sockets). */
  ctx: GopoolContext;
}

export type HeaderGetter = (headers: IncomingHttpHeaders) => Record<string, unknown>;

export interface RouteShorthand {
  <G extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<G>): Gopool;
  <G extends RouteGeneric = RouteGeneric>(path: string, options: RouteOptions, handler: Handler<G>): Gopool;
}

/**
 * The object a user file talks to: `gopool.get(...)`, `gopool.onMaster = ...`,
 * `gopool.startWithThreadsPool()`. The same file is loaded in the master and in every
 * thread, so everything here must be cheap and free of side effects until a start call.
 */
export class Gopool {
  readonly routes = new RouteRegistry();
  /** Picks the request headers that cross into the thread. Default: none. */
  headerGetter: HeaderGetter | undefined = undefined;
  /** Runs once in the master before the pool starts. */
  onMaster: ((args: OnMasterArgs) => unknown) | undefined = undefined;
  /** Set by the first start call; read by the boot code. */
  startRequest: StartRequest | undefined = undefined;

  readonly get: RouteShorthand = this.shorthand('GET');
  readonly post: RouteShorthand = this.shorthand('POST');
  readonly put: RouteShorthand = this.shorthand('PUT');
  readonly patch: RouteShorthand = this.shorthand('PATCH');
  readonly delete: RouteShorthand = this.shorthand('DELETE');
  readonly options: RouteShorthand = this.shorthand('OPTIONS');
  readonly head: RouteShorthand = this.shorthand('HEAD');
  /** Every method on one path. */
  readonly all: RouteShorthand = this.shorthand('ALL');

  /** `return gopool.reply(body, { status: 201, headers: {...} })` */
  readonly reply = reply;
  /** `throw gopool.httpError(404, "no such user")` */
  readonly httpError = httpError;
  readonly HttpError = HttpError;

  /** Starts the daemon, the master and the elastic thread pool (in the roles where that applies). */
  startWithThreadsPool(options: PartialOptions = {}): Promise<RunningServer | undefined> {
    return this.start('pool', options);
  }

  /** Runs every route in one thread of one process: no pool, no daemon. */
  startWithSingle(options: PartialOptions = {}): Promise<RunningServer | undefined> {
    return this.start('single', options);
  }

  private start(mode: StartMode, options: PartialOptions): Promise<RunningServer | undefined> {
    // Loaded on demand: threads load this file too and must not pay for fastify.
    const launch = require('../master/launch') as typeof import('../master/launch');
    return launch.requestStart(this, { mode, options });
  }

  private shorthand(method: RouteMethod | 'ALL'): RouteShorthand {
    return ((path: string, optionsOrHandler: RouteOptions | Handler, maybeHandler?: Handler) => {
      const [options, handler] = typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler, maybeHandler];
      this.routes.add(method, path, options ?? {}, handler as Handler);
      return this;
    }) as RouteShorthand;
  }
}
