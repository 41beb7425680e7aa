import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { GopoolContext, HandlerRequest } from '../api/types';
import { ERR_CLIENT_GONE } from '../errors';
import { webStreamOf } from './chunk-source';
import type { StreamHandle } from './stream-port';
import { openStream } from './stream-port';
import type { Cancellation, TaskRequest } from './task';

/** Fields gopool sets on every request: what `requestGetter` picks may not replace them. */
const OWN_FIELDS = new Set([
  'method',
  'url',
  'params',
  'query',
  'body',
  'headers',
  'id',
  'ip',
  'cookies',
  'ctx',
  'log',
  'signal',
  'stream',
  'abort',
  'attach',
  'server',
  'useServer',
  'addExtra',
]);

/**
 * The object a handler receives. The accepting thread builds it with the request's data
 * (ingress/gopool-routes.ts); run inline, the handler gets that very object, and sent to
 * another thread it crosses as plain data (the structured clone takes its own fields, never
 * the private ones) and is built again there. The thread that runs the handler adds `ctx`
 * and, on first use, `log` (a child of the thread's logger bound to the request id) and
 * `signal`: most handlers use neither, and a request should not pay for them.
 */
export class RequestContext implements TaskRequest {
  // Declared, not defined: absent unless set (a spread request shows only what it has).
  declare cookies?: Record<string, string | undefined>;
  declare stream?: StreamHandle;
  ctx: GopoolContext | undefined = undefined;
  // Private fields: neither cloned to another thread nor seen by a handler that spreads its request.
  #controller: AbortController | undefined;
  #logger: FastifyBaseLogger | undefined;
  /** Why the request was aborted before its signal was asked for. */
  #abortedWith: unknown;
  #parentLog: FastifyBaseLogger | undefined;
  /** The fastify instance of the app on the thread that runs the handler (its plugins' decorations). */
  #server: FastifyInstance | undefined;
  #serverOfThread: (() => FastifyInstance) | undefined;
  /** Tells when the client goes away: watched from the first time the handler reads `signal`. */
  #cancel: Cancellation | undefined;

  constructor(
    public method = '',
    public url = '',
    public params: Record<string, string> = {},
    public query: unknown = undefined,
    public body: unknown = undefined,
    public headers: Record<string, unknown> = {},
    public id = '',
    public ip = '',
  ) {}

  /** Adds what requestGetter picked; gopool's own fields keep their values. */
  addExtra(extra: Record<string, unknown>): void {
    for (const key of Object.keys(extra)) if (!OWN_FIELDS.has(key)) (this as unknown as Record<string, unknown>)[key] = extra[key];
  }

  /** What the thread that runs the handler adds. */
  /** On the thread that accepted the request: fastify's instance of the route. */
  useServer(server: FastifyInstance): this {
    this.#server = server;
    return this;
  }

  /** The fastify instance of the thread that runs the handler: the app with its plugins and decorations. */
  get server(): FastifyInstance {
    return (this.#server ??= this.#serverOfThread!());
  }

  attach(ctx: GopoolContext, log: FastifyBaseLogger, cancel: Cancellation | undefined, server: () => FastifyInstance = noServer): this {
    this.#serverOfThread = server;
    this.ctx = ctx;
    this.#parentLog = log;
    this.#cancel = cancel;
    // A raw body stream: its other end is the thread that accepted the request (or this one).
    if (this.stream !== undefined) this.body = webStreamOf(openStream(this.stream, () => new ERR_CLIENT_GONE()));
    return this;
  }

  get log(): FastifyBaseLogger {
    return (this.#logger ??= this.#parentLog!.child({ reqId: this.id }));
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith);
      else if (this.#cancel) {
        this.#cancel.onCancel = () => this.abort(new ERR_CLIENT_GONE());
        this.#cancel.watch();
      }
    }
    return this.#controller.signal;
  }

  /** The request timed out or its client went away. */
  abort(reason: unknown): void {
    if (this.#controller) {
      if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    } else {
      this.#abortedWith ??= reason;
    }
  }
}

/**
 * The handler's request: the accepting thread's own object when it runs here, or one built
 * from what crossed (own fields, and what requestGetter picked).
 */
export function handlerRequest(
  task: TaskRequest,
  ctx: GopoolContext,
  log: FastifyBaseLogger,
  cancel?: Cancellation,
  server?: () => FastifyInstance,
): HandlerRequest & RequestContext {
  return requestContext(task).attach(ctx, log, cancel, server) as RequestContext & HandlerRequest;
}

function noServer(): FastifyInstance {
  throw new Error('request.server is not available on this thread');
}

/** The request as this thread's object: the accepting thread's own, or one built from what crossed. */
export function requestContext(task: TaskRequest): RequestContext {
  return task instanceof RequestContext ? task : Object.assign(new RequestContext(), task);
}
