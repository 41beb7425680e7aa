import type { FastifyBaseLogger } from 'fastify';
import type { GopoolContext, HandlerRequest } from '../api/types';
import { ERR_CLIENT_GONE } from '../errors';
import { webStreamOf } from './chunk-source';
import { openStream } from './stream-port';
import type { TaskRequest } from './task';

/**
 * The object a handler receives, built on the thread that runs it from what crossed
 * (TaskRequest) and what that thread adds: `ctx`, and on first use `log` (a child of the
 * thread's logger bound to the request id) and `signal`. Both are made lazily: most handlers
 * use neither, and a request should not pay for them.
 */
export class RequestContext {
  // Private fields: a handler that spreads its request (`{ ...request }`) sees none of them.
  #controller: AbortController | undefined;
  #logger: FastifyBaseLogger | undefined;
  /** Why the request was aborted before its signal was asked for. */
  #abortedWith: unknown;
  readonly #parentLog: FastifyBaseLogger;
  /** Called once, when the handler first reads `signal`: start watching for the client to leave. */
  readonly #watch: ((context: RequestContext) => void) | undefined;

  constructor(parentLog: FastifyBaseLogger, watch: ((context: RequestContext) => void) | undefined) {
    this.#parentLog = parentLog;
    this.#watch = watch;
  }

  get log(): FastifyBaseLogger {
    return (this.#logger ??= this.#parentLog.child({ reqId: (this as unknown as HandlerRequest).id }));
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith);
      else this.#watch?.(this);
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

/** Builds a handler's request from what crossed; `extra` fields first, so gopool's own win. */
export function handlerRequest(task: TaskRequest, ctx: GopoolContext, log: FastifyBaseLogger, watch?: (context: RequestContext) => void): HandlerRequest & RequestContext {
  const request = new RequestContext(log, watch) as RequestContext & HandlerRequest & Record<string, unknown>;
  if (task.extra !== undefined) Object.assign(request, task.extra);
  request.method = task.method;
  request.url = task.url;
  request.params = task.params;
  request.query = task.query as HandlerRequest['query'];
  // A raw body stream: its other end is the thread that accepted the request (or this one).
  request.body = task.stream === undefined ? task.body : webStreamOf(openStream(task.stream, () => new ERR_CLIENT_GONE()));
  request.headers = task.headers;
  request.id = task.id;
  request.ip = task.ip;
  if (task.cookies !== undefined) request.cookies = task.cookies;
  request.ctx = ctx;
  return request;
}
