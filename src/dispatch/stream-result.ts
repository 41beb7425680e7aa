import type { ResponseHeaders } from '../api/types';
import { type ChunkSource, chunksOf, startingWith } from './chunk-source';
import type { RequestContext } from './handler-request';
import { thrownResult } from './serialize-result';
import { LocalStream } from './stream-port';
import { BodyKind, type ResultDestination, type TaskResult } from './task';

const EMPTY: ChunkSource = { next: () => Promise.resolve(null), cancel: () => undefined };

/**
 * A handler returned a stream (a Node Readable, an async iterable, a web ReadableStream, or
 * one of those in `reply()`). The result is given once its first chunk is there, so the route
 * timeout covers the time to the first byte: a stream that produces nothing in time is a 504
 * like any slow handler, and its producer is cancelled (the timeout aborts the request). An
 * error before the first chunk is the handler's error (its status, the error handler); after
 * it, the accepting thread ends the response (send-stream.ts).
 *
 * Crossing to another thread (`to.crossing`), the stream becomes a port there; the
 * handler's signal aborts when that end cancels (its client left, the stream stalled).
 */
export function streamResult(
  value: AsyncIterable<unknown> | ReadableStream,
  status: number,
  headers: ResponseHeaders | null,
  request: RequestContext,
  to: ResultDestination,
): Promise<TaskResult> {
  let source: ChunkSource;
  try {
    source = chunksOf(value);
  } catch (err) {
    return Promise.resolve(thrownResult(err, to));
  }
  const signal = request.signal;
  return new Promise<TaskResult>((resolve) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      const reason = signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
      source.cancel(reason);
      resolve(thrownResult(reason, to));
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    source.next().then(
      (first) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) return; // aborted meanwhile: cancelled already
        settled = true;
        const body = new LocalStream(first === null ? EMPTY : startingWith(first, source), (reason) => request.abort(reason));
        resolve({ status, kind: BodyKind.Stream, headers, body: null, stream: to.crossing ? body.toPort() : body });
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        resolve(thrownResult(err, to));
      },
    );
  });
}
