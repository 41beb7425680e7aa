import { ERR_SSE_SOURCE } from '../errors';
import { type Reply, reply } from './reply';
import type { ResponseHeaders } from './types';

/** One server-sent event. `data` that is not a string is sent as JSON. */
export interface SseEvent {
  data?: unknown;
  event?: string;
  id?: string | number;
  /** Milliseconds the client's EventSource waits before reconnecting. */
  retry?: number;
  /** A comment line (ignored by EventSource). */
  comment?: string;
}

export interface SseOptions {
  /** Milliseconds without an event after which a comment line is sent, so that proxies and the idle limit keep the stream open (default 15000; 0: none). */
  heartbeat?: number;
  /** Sent first: how long the client's EventSource waits before reconnecting (ms). */
  retry?: number;
  status?: number;
  headers?: ResponseHeaders;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const TICK = Symbol('heartbeat');

/**
 * Server-sent events: `return gopool.sse(events())`, where `events` yields events
 * (`{ data, event?, id?, retry? }`, or strings for data alone), as an async generator does.
 * Sets the headers (`text/event-stream`, no caching, kept alive, no proxy buffering), writes
 * the stream's start at once (so the client's EventSource opens before the first event) and
 * each event as it comes, a comment line when nothing came for `heartbeat` ms. The client
 * leaving aborts the handler's `signal` and ends the source (its `return()`).
 */
export function sse(source: AsyncIterable<SseEvent | string> | Iterable<SseEvent | string>, options: SseOptions = {}): Reply {
  const iterator = iteratorOf(source);
  const headers: ResponseHeaders = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...options.headers,
  };
  return reply(events(iterator, options.heartbeat ?? DEFAULT_HEARTBEAT_MS, options.retry), { status: options.status ?? 200, headers });
}

function iteratorOf(source: unknown): AsyncIterator<SseEvent | string> | Iterator<SseEvent | string> {
  if (typeof source === 'object' && source !== null) {
    if (Symbol.asyncIterator in source) return (source as AsyncIterable<SseEvent | string>)[Symbol.asyncIterator]();
    if (Symbol.iterator in source) return (source as Iterable<SseEvent | string>)[Symbol.iterator]();
  }
  throw new ERR_SSE_SOURCE(source === null ? 'null' : typeof source);
}

async function* events(
  iterator: AsyncIterator<SseEvent | string> | Iterator<SseEvent | string>,
  heartbeat: number,
  retry: number | undefined,
): AsyncGenerator<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    yield retry !== undefined ? `retry: ${Math.trunc(retry)}\n\n` : ':\n\n';
    for (;;) {
      const next = Promise.resolve(iterator.next());
      let step: IteratorResult<SseEvent | string> | typeof TICK;
      for (;;) {
        if (heartbeat <= 0) {
          step = await next;
          break;
        }
        const tick = new Promise<typeof TICK>((resolve) => {
          timer = setTimeout(resolve, heartbeat, TICK);
        });
        step = await Promise.race([next, tick]);
        clearTimeout(timer);
        if (step !== TICK) break;
        yield ':\n\n'; // the same next() is still pending: wait on it again
      }
      if (step.done) return;
      yield formatEvent(step.value);
    }
  } finally {
    clearTimeout(timer);
    // Not awaited: a source parked in an await ends when it wakes (its handler's signal wakes it).
    try {
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    } catch {
      // its return() threw: it is done all the same
    }
  }
}

/** An event in the text/event-stream format: one `field: value` line each, a blank line after. */
export function formatEvent(event: SseEvent | string): string {
  if (typeof event === 'string') return `${dataLines(event)}\n`;
  if (typeof event !== 'object' || event === null) return `${dataLines(String(event))}\n`;
  let text = '';
  if (event.comment !== undefined)
    text += String(event.comment)
      .split(/\r\n|\r|\n/)
      .map((line) => `: ${line}\n`)
      .join('');
  if (event.id !== undefined) text += `id: ${oneLine(String(event.id))}\n`;
  if (event.event !== undefined) text += `event: ${oneLine(event.event)}\n`;
  if (event.retry !== undefined) text += `retry: ${Math.trunc(event.retry)}\n`;
  if (event.data !== undefined) text += dataLines(typeof event.data === 'string' ? event.data : JSON.stringify(event.data));
  return `${text}\n`;
}

function dataLines(data: string): string {
  return data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
