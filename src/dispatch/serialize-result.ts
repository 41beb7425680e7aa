import { isReply } from '../api/reply';
import type { ResponseHeaders } from '../api/types';
import { ERR_REPLY_HEADERS, ERR_REPLY_STATUS, ERR_RESULT_EMPTY_JSON, ERR_RESULT_NOT_SENDABLE, ERR_RESULT_STREAM, ERR_RESULT_TYPE } from '../errors';
import { isStreamLike } from './chunk-source';
import { BodyKind, type ResultDestination, type TaskResult } from './task';
import { packThrown } from './thrown-error';

/** A route's response schema compiled for one status, or undefined when it has none for it. */
export type SerializerFor = (status: number) => ((value: unknown) => string) | undefined;

/**
 * Turns what a handler returned into a TaskResult. Throws if the value cannot be sent. With a
 * response schema for the status, JSON is written by fastify's serializer (fast-json-stringify,
 * which also drops properties the schema does not list), otherwise by JSON.stringify.
 */
export function toTaskResult(value: unknown, serializerFor?: SerializerFor): TaskResult {
  if (isReply(value)) {
    const status = replyStatus(value.status, value.body);
    return encodeBody(value.body, status, checkHeaders(value.headers), serializerFor);
  }
  return encodeBody(value, value === undefined ? 204 : 200, null, serializerFor);
}

/**
 * A streamed response, if the handler returned one (a stream, or `reply(stream, ...)`): its
 * status, headers and source. Throws, like toTaskResult, on a bad status or header.
 */
export function streamReply(value: unknown): { status: number; headers: ResponseHeaders | null; body: AsyncIterable<unknown> | ReadableStream } | undefined {
  if (isReply(value)) {
    if (!isStreamLike(value.body)) return undefined;
    return { status: replyStatus(value.status, value.body), headers: checkHeaders(value.headers), body: value.body };
  }
  return isStreamLike(value) ? { status: 200, headers: null, body: value } : undefined;
}

function replyStatus(status: number | undefined, body: unknown): number {
  const chosen = status ?? (body === undefined ? 204 : 200);
  if (!Number.isInteger(chosen) || chosen < 200 || chosen > 599) {
    throw new ERR_REPLY_STATUS(String(status));
  }
  return chosen;
}

/** The result of one body, of one shape whatever its kind (one object literal: no spread on the request path). */
function encodeBody(value: unknown, status: number, headers: ResponseHeaders | null, serializerFor: SerializerFor | undefined): TaskResult {
  if (value === undefined) return { status, kind: BodyKind.Empty, headers, body: null };
  if (typeof value === 'string') return { status, kind: BodyKind.Text, headers, body: value };
  if (ArrayBuffer.isView(value))
    return { status, kind: BodyKind.Binary, headers, body: exactBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  if (value instanceof ArrayBuffer) return { status, kind: BodyKind.Binary, headers, body: new Uint8Array(value.slice(0)) };
  if (typeof value === 'function' || typeof value === 'symbol') throw new ERR_RESULT_TYPE(typeof value);
  if (isStreamLike(value)) throw new ERR_RESULT_STREAM();
  const serialize = serializerFor?.(status);
  const json = serialize ? serialize(value) : JSON.stringify(value); // throws on BigInt and cycles, with a clear message
  if (json === undefined) throw new ERR_RESULT_EMPTY_JSON();
  return { status, kind: BodyKind.Json, headers, body: json };
}

/**
 * A Uint8Array over a pooled Buffer would clone the whole 8 KiB pool with it; copy out just
 * its bytes so the structured clone moves only what is sent.
 */
function exactBytes(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : view.slice();
}

function checkHeaders(headers: ResponseHeaders | undefined): ResponseHeaders | null {
  if (headers === undefined) return null;
  if (typeof headers !== 'object' || headers === null) throw new ERR_REPLY_HEADERS('headers must be an object');
  for (const [name, value] of Object.entries(headers)) {
    const ok = typeof value === 'string' || typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new ERR_REPLY_HEADERS(`header "${name}" must be a string, a number or an array of strings`);
  }
  return headers;
}

function statusOf(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 500;
  const candidate = (err as { statusCode?: unknown }).statusCode ?? (err as { status?: unknown }).status;
  return typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 400 && candidate <= 599 ? candidate : 500;
}

/**
 * A thrown error as a result. Crossing to another thread, it is packed as data; otherwise the
 * original object goes to the error handler as it is.
 */
export function thrownResult(err: unknown, to: ResultDestination): TaskResult {
  return { status: statusOf(err), kind: BodyKind.Error, headers: null, body: null, error: to.crossing ? packThrown(err) : err };
}

/** The handler returned something that cannot leave the thread: a 500 naming the route and why. */
export function unsendableResult(err: unknown, routeKey: string, to: ResultDestination): TaskResult {
  const reason = err instanceof Error ? err.message : String(err);
  return thrownResult(new ERR_RESULT_NOT_SENDABLE(routeKey, reason), to);
}
