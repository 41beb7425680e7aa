import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCounted, markCounted, sinceArrival } from './arrival';
import { type InstanceClasses, instanceClasses } from './fastify-classes';

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
 * handler runs (a 401, a cached reply, a CORS preflight). Every one of them goes through
 * `reply.send`: the scope's replies get a `send` that counts an answer nobody marked, then sends
 * it as fastify does (fastify-classes.ts). Neither an onSend hook, which made fastify run its
 * hook chain on every response, nor an onResponse hook, with which fastify puts two listeners
 * and two clock reads on every response; an onSend hook only on a fastify that does not keep
 * its classes where gopool looks.
 */
export function countOtherAnswers(scope: FastifyInstance, onAnswered: OnAnswered, classes: InstanceClasses | undefined = instanceClasses(scope)): void {
  const countUnmarked = (req: FastifyRequest, reply: FastifyReply): void => {
    if (isCounted(req.raw)) return;
    const url = req.routeOptions.url;
    if (url !== undefined) countAtEnd(req, reply, url, onAnswered);
  };
  if (classes === undefined) {
    scope.addHook('onSend', (req, reply, payload, done) => {
      countUnmarked(req, reply);
      done(null, payload);
    });
    return;
  }
  const replies = classes.reply as { send: (this: FastifyReply, payload?: unknown) => FastifyReply };
  const send = replies.send;
  replies.send = function countedSend(this: FastifyReply, payload?: unknown): FastifyReply {
    countUnmarked(this.request, this);
    return send.call(this, payload);
  };
}

/** A not-found handler's answer, counted under NO_ROUTE at its end. */
export function countNotFound(onAnswered: OnAnswered): (req: FastifyRequest, reply: FastifyReply) => void {
  return (req, reply) => countAtEnd(req, reply, NO_ROUTE, onAnswered);
}

function countAtEnd(req: FastifyRequest, reply: FastifyReply, path: string, onAnswered: OnAnswered): void {
  markCounted(req.raw);
  reply.raw.once('finish', () => onAnswered(req.method, path, reply.statusCode, sinceArrival(req.raw)));
}
