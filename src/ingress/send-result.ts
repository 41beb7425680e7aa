import type { FastifyReply } from 'fastify';
import type { Logger } from '../runtime/logger';
import { BodyKind, DispatchError, type DispatchFailure, type TaskResult } from '../dispatch/task';

const CONTENT_TYPES: Record<BodyKind, string | undefined> = {
  [BodyKind.Empty]: undefined,
  [BodyKind.Json]: 'application/json; charset=utf-8',
  [BodyKind.Text]: 'text/plain; charset=utf-8',
  [BodyKind.Binary]: 'application/octet-stream',
};

/** Writes a thread's result. The body is already bytes or text: nothing is serialized here. */
export function sendResult(reply: FastifyReply, result: TaskResult): void {
  reply.code(result.status);
  if (result.headers) reply.headers(result.headers);
  const type = CONTENT_TYPES[result.kind];
  if (type !== undefined && !reply.hasHeader('content-type')) reply.header('content-type', type);
  const body = result.body;
  if (body === null) reply.send();
  else if (typeof body === 'string') reply.send(body);
  else reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

const FAILURES: Record<DispatchFailure, { status: number; retryAfter?: number }> = {
  // Back pressure: tell the client when to come back instead of letting the queue grow.
  'queue-full': { status: 503, retryAfter: 1 },
  'timeout': { status: 504 },
  'thread-exit': { status: 503, retryAfter: 1 },
  'closed': { status: 503, retryAfter: 1 },
  'no-thread': { status: 503, retryAfter: 5 },
};

const ERROR_NAMES: Record<number, string> = { 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** A request that got no result from its handler: map why to a status the client understands. */
export function sendFailure(reply: FastifyReply, err: unknown, log: Logger): void {
  let status = 500;
  let message = 'Internal Server Error';
  if (err instanceof DispatchError) {
    const failure = FAILURES[err.failure];
    status = failure.status;
    message = err.message;
    if (failure.retryAfter !== undefined) reply.header('retry-after', String(failure.retryAfter));
  } else {
    log.error({ err }, 'request failed inside gopool');
  }
  reply.code(status).header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ statusCode: status, error: ERROR_NAMES[status], message }));
}
