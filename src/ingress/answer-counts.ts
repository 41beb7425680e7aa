import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCounted, markCounted, sinceArrival } from './arrival';

/** Told of every answer a thread that accepts connections gives: its route, status and milliseconds since arrival. */
export type OnAnswered = (method: string, path: string, status: number, ms: number) => void;

/** Requests no route matched, counted as the master counts them: `(no route)`. */
export const NO_ROUTE = '(no route)';

/** Marks an answer a gopool handler is about to send (before its onSend hooks run): countOtherAnswers leaves it to countHandlerAnswer. */
export function markHandlerAnswer(req: FastifyRequest): void {
  markCounted(req.raw);
}

/** Counts an answer a gopool handler sent (marked before), once it is written: at once, or at its end after asynchronous onSend hooks. */
export function countHandlerAnswer(req: FastifyRequest, reply: FastifyReply, path: string, onAnswered: OnAnswered): void {
  if (reply.sent) onAnswered(req.method, path, reply.statusCode, sinceArrival(req.raw));
  else reply.raw.once('finish', () => onAnswered(req.method, path, reply.statusCode, sinceArrival(req.raw)));
}

/**
 * What answers a request besides the handlers, counted at its end: fastify's own errors (400,
 * 413), a handler's throw, gopool's 504, and in an app with hooks what those answer before any
 * handler runs (a 401, a cached reply, a CORS preflight).
 *
 * Without the app's hooks, every such answer is an error: an onError hook counts them, which
 * costs nothing on the way of a request without one. With them, an onSend hook counts the
 * answers no handler marked. Not an onResponse hook: with one, fastify puts two listeners and
 * two clock reads on every response, which an app with hooks paid on every request.
 */
export function countOtherAnswers(scope: FastifyInstance, appHooks: boolean, onAnswered: OnAnswered): void {
  if (appHooks) {
    scope.addHook('onSend', (req, reply, payload, done) => {
      if (!isCounted(req.raw)) {
        const url = req.routeOptions.url;
        if (url !== undefined) countAtEnd(req, reply, url, undefined, onAnswered);
      }
      done(null, payload);
    });
    return;
  }
  scope.addHook('onError', (req, reply, err, done) => {
    const url = req.routeOptions.url;
    const status = (err as { statusCode?: number }).statusCode;
    if (url !== undefined && !reply.sent) countAtEnd(req, reply, url, typeof status === 'number' && status >= 400 ? status : undefined, onAnswered);
    done();
  });
}

/** A not-found handler's answer, counted under NO_ROUTE at its end. */
export function countNotFound(onAnswered: OnAnswered): (req: FastifyRequest, reply: FastifyReply) => void {
  return (req, reply) => countAtEnd(req, reply, NO_ROUTE, undefined, onAnswered);
}

function countAtEnd(req: FastifyRequest, reply: FastifyReply, path: string, status: number | undefined, onAnswered: OnAnswered): void {
  markCounted(req.raw);
  reply.raw.once('finish', () => onAnswered(req.method, path, status ?? reply.statusCode, sinceArrival(req.raw)));
}
