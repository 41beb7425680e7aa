import { STATUS_CODES } from 'node:http';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ResponseHeaders } from '../api/types';

/** Production hides 5xx messages from clients (unless the error says `expose: true`). */
const production = process.env.NODE_ENV === 'production';

/**
 * gopool's default error handler, for every error of a request to the app's routes: thrown by
 * a handler (on whichever thread it ran), by a hook, by fastify (400 invalid JSON or schema,
 * 413, 415), or gopool's own (504 timeout, 503 queue full). The body is fastify's shape,
 * `{ statusCode, code, error, message }`; the stack goes to the thread's log with the request
 * id, never to the client. An app's `gopool.setErrorHandler` replaces it and sees the same errors.
 */
export function defaultErrorHandler(log: FastifyBaseLogger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => answerError(log, error, request, reply);
}

function answerError(log: FastifyBaseLogger, error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const err = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as {
    statusCode?: unknown;
    status?: unknown;
    code?: unknown;
    message?: unknown;
    expose?: unknown;
    headers?: unknown;
  };
  const status = statusOf(err, reply.statusCode);
  if (status >= 500) {
    // gopool's own answers (504 timeout, 503 queue full) are expected under load: a line, no stack.
    if (typeof err.code === 'string' && err.code.startsWith('GOPOOL_ERR_') && err.code !== 'GOPOOL_ERR_RESULT_NOT_SENDABLE')
      log.warn({ reqId: request.id, code: err.code, statusCode: status }, String(err.message));
    else log.error({ reqId: request.id, err: error }, typeof err.message === 'string' ? err.message : 'request failed');
  }
  const expose = typeof err.expose === 'boolean' ? err.expose : status < 500 || !production;
  const name = STATUS_CODES[status] ?? 'Error';
  const message = expose && typeof err.message === 'string' && err.message !== '' ? err.message : name;
  const body: Record<string, unknown> = { statusCode: status };
  if (typeof err.code === 'string') body.code = err.code;
  body.error = name;
  body.message = message;
  if (typeof err.headers === 'object' && err.headers !== null) setHeaders(reply, err.headers as ResponseHeaders);
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function statusOf(err: { statusCode?: unknown; status?: unknown }, replyStatus: number): number {
  const candidate = err.statusCode ?? err.status;
  if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 400 && candidate <= 599) return candidate;
  // fastify's rule: a reply already set to an error status keeps it.
  return replyStatus >= 400 && replyStatus <= 599 ? replyStatus : 500;
}

function setHeaders(reply: FastifyReply, headers: ResponseHeaders): void {
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' || typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'string')))
      reply.header(name, value);
  }
}
