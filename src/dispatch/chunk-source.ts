import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { ERR_STREAM_CHUNK } from '../errors';

/**
 * A stream of bytes as gopool moves it: pulled one chunk at a time, so that whoever reads sets
 * the pace (back pressure), and cancelled when the reader goes away. Made from whatever a
 * handler returns (a Node Readable, an async iterable, a web ReadableStream), from a request's
 * raw body, or from the far end of a MessagePort (dispatch/stream-port.ts).
 */
export interface ChunkSource {
  /** The next chunk, or null at the end. Rejects with the producer's error. One call at a time. */
  next(): Promise<Uint8Array | null>;
  /** The reader is gone: stop producing and release what the producer holds. */
  cancel(reason: Error): void;
}

/** Can this value be sent as a stream (a Node Readable, an async iterable, a web ReadableStream)? */
export function isStreamLike(value: unknown): value is AsyncIterable<unknown> | ReadableStream {
  if (typeof value !== 'object' || value === null) return false;
  return Symbol.asyncIterator in value || typeof (value as { getReader?: unknown }).getReader === 'function' || isOldStyleStream(value);
}

/** A stream of the days before Readable (`pipe` and 'data' events only), as some libraries still return. */
function isOldStyleStream(value: object): boolean {
  return typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { on?: unknown }).on === 'function';
}

/**
 * A ChunkSource over a stream-like value. Strings become UTF-8 bytes; a chunk of another type
 * fails the stream (GOPOOL_ERR_STREAM_CHUNK). Cancelling calls the iterator's `return()`: a
 * Node Readable is destroyed, an async generator runs its `finally`, a web ReadableStream is
 * cancelled. (It is not awaited: an async generator parked in an `await` finishes its return
 * only when that await settles; the handler's signal is what stops such a wait.)
 */
export function chunksOf(value: AsyncIterable<unknown> | ReadableStream): ChunkSource {
  const iterable = (
    Symbol.asyncIterator in value
      ? value
      : typeof (value as { getReader?: unknown }).getReader === 'function'
        ? readerIterable(value as ReadableStream)
        : new Readable().wrap(value as unknown as NodeJS.ReadableStream)
  ) as AsyncIterable<unknown>;
  const iterator = iterable[Symbol.asyncIterator]();
  let finished = false;
  return {
    async next() {
      if (finished) return null;
      try {
        const step = await iterator.next();
        if (step.done) {
          finished = true;
          return null;
        }
        return toBytes(step.value);
      } catch (err) {
        finished = true;
        throw err;
      }
    },
    cancel() {
      if (finished) return;
      finished = true;
      try {
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
      } catch {
        // a return() that throws at once: the producer is gone all the same
      }
    },
  };
}

/** A web ReadableStream without Symbol.asyncIterator (another realm's, a polyfill's): read through its reader. */
function readerIterable(stream: ReadableStream): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      const reader = stream.getReader();
      return {
        next: () => reader.read() as Promise<IteratorResult<unknown>>,
        return: async () => {
          await reader.cancel();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new ERR_STREAM_CHUNK(chunk === null ? 'null' : typeof chunk === 'object' ? (chunk.constructor?.name ?? 'object') : typeof chunk);
}

/** A source that gives `first` (already read) before the rest of `rest`. */
export function startingWith(first: Uint8Array, rest: ChunkSource): ChunkSource {
  let pending: Uint8Array | null = first;
  return {
    next() {
      if (pending === null) return rest.next();
      const chunk = pending;
      pending = null;
      return Promise.resolve(chunk);
    },
    cancel(reason) {
      pending = null;
      rest.cancel(reason);
    },
  };
}

/** A ChunkSource as a web ReadableStream, read only when its reader asks (no read-ahead). */
export function webStreamOf(source: ChunkSource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await source.next();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
      cancel(reason) {
        source.cancel(reason instanceof Error ? reason : new Error(String(reason ?? 'cancelled')));
      },
    },
    { highWaterMark: 0 },
  );
}
