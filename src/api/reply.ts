import type { ResponseHeaders } from './types';

/**
 * Handlers run on other threads, so they cannot touch a fastify `reply`. Instead they return
 * a description of the response; `reply()` is how a handler sets the status and headers.
 * The thread turns a Reply into a wire result (see dispatch/serialize-result.ts) before
 * anything crosses, so neither class ever needs to survive a structured clone.
 */
const REPLY = Symbol.for('gopool.reply');

export interface ReplyInit {
  status?: number;
  headers?: ResponseHeaders;
}

export class Reply {
  readonly [REPLY] = true;
  constructor(
    readonly body: unknown,
    readonly status: number | undefined,
    readonly headers: ResponseHeaders | undefined,
  ) {}
}

/** `return reply({ id }, { status: 201, headers: { location: "/items/1" } })` */
export function reply(body: unknown, init: ReplyInit = {}): Reply {
  return new Reply(body, init.status, init.headers);
}

/** Checked by brand, not `instanceof`, so two copies of gopool in one app still agree. */
export function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REPLY] === true;
}

/**
 * Throw one to answer with its status: `throw new HttpError(404, "no such user")`.
 * Any error with a numeric `statusCode` or `status` between 400 and 599 (http-errors,
 * @fastify/error) is treated the same way.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly headers: ResponseHeaders | undefined;
  /** Whether the message may be shown to the client; 4xx messages always are. */
  readonly expose: boolean;

  constructor(statusCode: number, message?: string, options: { headers?: ResponseHeaders; expose?: boolean } = {}) {
    super(message ?? '');
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.headers = options.headers;
    this.expose = options.expose ?? statusCode < 500;
  }
}

export function httpError(statusCode: number, message?: string): HttpError {
  return new HttpError(statusCode, message);
}
