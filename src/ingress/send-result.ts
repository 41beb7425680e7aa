import type { FastifyReply } from 'fastify';
import type { ErrorClasses } from '../dispatch/error-classes';
import { dropStream } from '../dispatch/stream-port';
import { BodyKind, type TaskResult } from '../dispatch/task';
import { unpackThrown } from '../dispatch/thrown-error';
import { ERR_CLIENT_GONE, RETRY_AFTER } from '../errors';
import { type StreamSettings, sendStream } from './send-stream';

const CONTENT_TYPES: Record<BodyKind, string | undefined> = {
  [BodyKind.Empty]: undefined,
  [BodyKind.Json]: 'application/json; charset=utf-8',
  [BodyKind.Text]: 'text/plain; charset=utf-8',
  [BodyKind.Binary]: 'application/octet-stream',
  [BodyKind.Error]: undefined,
  [BodyKind.Stream]: 'application/octet-stream',
};

/**
 * Writes a handler's outcome. The body is already bytes or text: nothing is serialized here.
 * What the handler threw goes to the app's error handler, as in fastify. A stream is sent as
 * its chunks come (send-stream.ts). A request answered already (a 413 while the handler read
 * its body) drops the result.
 */
export function sendResult(reply: FastifyReply, result: TaskResult, stream: StreamSettings, classes?: ErrorClasses): void {
  if (reply.sent) {
    dropStream(result, new ERR_CLIENT_GONE());
    return;
  }
  if (result.kind === BodyKind.Error) {
    sendError(reply, unpackThrown(result.error, classes));
    return;
  }
  reply.code(result.status);
  if (result.headers) reply.headers(reply.request.raw.httpVersionMajor === 2 ? withoutConnectionHeaders(result.headers) : result.headers);
  const type = CONTENT_TYPES[result.kind];
  // type(): the same header as header('content-type', ...), without lower-casing a name that is lower-case already.
  const typed = type !== undefined && !reply.hasHeader('content-type');
  if (typed) reply.type(type);
  if (result.kind === BodyKind.Stream) {
    sendStream(reply, result, stream);
    return;
  }
  const body = result.body;
  if (body === null) reply.send();
  else if (typeof body !== 'string') reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  else if (typed) reply.serializer(asSerialized).send(body);
  else reply.send(body);
}

/**
 * A text body whose content type gopool set, charset included: given a reply serializer,
 * fastify passes a string through it as it is, where without one it parses the content type
 * on every response to see whether it is JSON that lacks a charset. fastify calls it before
 * the onSend hooks, and it takes itself off at once: whatever the reply sends after (an error
 * handler's answer) is serialized as fastify would.
 */
function asSerialized(this: FastifyReply, payload: unknown): string {
  this.serializer(null as unknown as (payload: unknown) => string);
  return payload as string;
}

/**
 * HTTP/2 has no connection-specific headers (RFC 9113, 8.2.2): Node drops them from a response
 * with a warning, so those a handler set (`gopool.sse` sets `connection: keep-alive` for
 * HTTP/1.1) are left out here on HTTP/2 requests.
 */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function withoutConnectionHeaders(headers: NonNullable<TaskResult['headers']>): NonNullable<TaskResult['headers']> {
  const out: NonNullable<TaskResult['headers']> = {};
  for (const [name, value] of Object.entries(headers)) if (!CONNECTION_HEADERS.has(name.toLowerCase())) out[name] = value;
  return out;
}

/**
 * A request that got no result (timeout, queue full, ...) or whose handler threw: the error
 * handler answers. Errors worth a retry tell the client when (Retry-After), whatever the
 * error handler writes in the body.
 */
export function sendError(reply: FastifyReply, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  const retryAfter = typeof code === 'string' ? RETRY_AFTER[code] : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  reply.send(err);
}
