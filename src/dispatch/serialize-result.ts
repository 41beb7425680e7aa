import { STATUS_CODES } from 'node:http';
import { isReply } from '../api/reply';
import type { ResponseHeaders } from '../api/types';
import type { Logger } from '../runtime/logger';
import { BodyKind, type TaskResult } from './task';

/** Production hides 5xx messages and stacks from clients; development shows them. */
const production = process.env.NODE_ENV === 'production';

/** Turns what a handler returned into a TaskResult. Throws if the value cannot be sent. */
export function toTaskResult(value: unknown): TaskResult {
  if (isReply(value)) {
    const status = value.status ?? (value.body === undefined ? 204 : 200);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new TypeError(`reply() status must be an integer from 200 to 599, got ${String(value.status)}`);
    }
    return { status, headers: checkHeaders(value.headers), ...encodeBody(value.body) };
  }
  return { status: value === undefined ? 204 : 200, headers: null, ...encodeBody(value) };
}

function encodeBody(value: unknown): Pick<TaskResult, 'kind' | 'body'> {
  if (value === undefined) return { kind: BodyKind.Empty, body: null };
  if (typeof value === 'string') return { kind: BodyKind.Text, body: value };
  if (ArrayBuffer.isView(value)) return { kind: BodyKind.Binary, body: exactBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  if (value instanceof ArrayBuffer) return { kind: BodyKind.Binary, body: new Uint8Array(value.slice(0)) };
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new TypeError(`a ${typeof value} cannot be sent as a response`);
  }
  const json = JSON.stringify(value); // throws on BigInt and cycles, with a clear message
  if (json === undefined) throw new TypeError('the value serializes to nothing (a toJSON returning undefined?)');
  return { kind: BodyKind.Json, body: json };
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
  if (typeof headers !== 'object' || headers === null) throw new TypeError('reply() headers must be an object');
  for (const [name, value] of Object.entries(headers)) {
    const ok = typeof value === 'string' || typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new TypeError(`reply() header "${name}" must be a string, a number or an array of strings`);
  }
  return headers;
}

interface ErrorWithStatus {
  statusCode?: unknown;
  status?: unknown;
  expose?: unknown;
  headers?: unknown;
  message?: unknown;
}

function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const candidate = (err as ErrorWithStatus).statusCode ?? (err as ErrorWithStatus).status;
  return typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 400 && candidate <= 599 ? candidate : undefined;
}

/** A thrown error becomes a response: its HTTP status if it has one, 500 otherwise. */
export function errorToTaskResult(err: unknown, routeKey: string, log: Logger): TaskResult {
  const status = statusOf(err) ?? 500;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorWithStatus & { stack?: unknown };
  const exposeFlag = typeof e.expose === 'boolean' ? e.expose : status < 500;
  if (status >= 500) log.error({ err, route: routeKey }, `handler of ${routeKey} failed`);
  const body: Record<string, unknown> = { statusCode: status, error: STATUS_CODES[status] ?? 'Error' };
  if (exposeFlag || !production) body.message = typeof e.message === 'string' && e.message ? e.message : body.error;
  else body.message = body.error;
  if (!production && status >= 500 && typeof e.stack === 'string') body.stack = e.stack;
  const headers = statusOf(err) !== undefined && typeof e.headers === 'object' && e.headers !== null ? (e.headers as ResponseHeaders) : null;
  return { status, kind: BodyKind.Json, headers: headers ? safeHeaders(headers) : null, body: JSON.stringify(body) };
}

function safeHeaders(headers: ResponseHeaders): ResponseHeaders | null {
  try {
    return checkHeaders(headers);
  } catch {
    return null;
  }
}

/** The handler returned something that cannot leave the thread: 500, and say why in the log. */
export function unsendableResult(err: unknown, routeKey: string, log: Logger): TaskResult {
  const reason = err instanceof Error ? err.message : String(err);
  log.error({ route: routeKey, reason }, `the value returned by ${routeKey} cannot be sent: ${reason}`);
  const message = production ? 'Internal Server Error' : `the value returned by ${routeKey} cannot be sent: ${reason}`;
  return { status: 500, kind: BodyKind.Json, headers: null, body: JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message }) };
}
