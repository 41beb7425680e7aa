import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChunkSource } from '../dispatch/chunk-source';
import { LocalStream } from '../dispatch/stream-port';
import { ERR_BODY_TOO_LARGE } from '../errors';

/**
 * Routes with `body: "stream"` live in a scope of their own where no content type parser runs:
 * the body is handed on as it arrives (after the app's preParsing hooks, which may decompress
 * it).
 */
export function rawBodyScope(mount: (scope: FastifyInstance) => void) {
  return async function gopoolRawBodies(scope: FastifyInstance): Promise<void> {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req: FastifyRequest, payload: unknown, done: (err: Error | null, body?: unknown) => void) => done(null, payload));
    mount(scope);
  };
}

/** A request whose declared length is above the limit: refused before anything is read. */
export function declaredTooLarge(req: FastifyRequest, limit: number): boolean {
  return Number(req.headers['content-length']) > limit;
}

/**
 * How long the rest of a refused body (413) is read and thrown away before the connection is
 * closed. Closing at once would lose the answer for many clients: a client still writing its
 * body gets EPIPE or a reset before it reads the 413 (node's http client does), and some read
 * a cut response as complete. Reading on (nginx's "lingering close") lets the 413 arrive; the
 * client stops sending when it sees it. Bounded, so a client that never stops costs little.
 */
const LINGER_MS = 5000;

/** Connections of this thread reading a refused body to its end, each with its way to close. */
const lingering = new Set<() => void>();

/** After a 413: discard what the client still sends, for LINGER_MS at most, then close. */
export function discardRest(req: FastifyRequest, payload?: Readable): void {
  const raw = req.raw;
  if (raw.complete || raw.destroyed) return;
  payload?.resume();
  raw.resume();
  const close = (): void => {
    done();
    raw.socket?.destroy();
  };
  const done = (): void => {
    clearTimeout(timer);
    lingering.delete(close);
  };
  const timer = setTimeout(close, LINGER_MS).unref();
  lingering.add(close);
  raw.once('end', done);
  raw.once('close', done);
}

/**
 * Closes the connections still reading a refused body: the server is stopping, and their
 * answer went out a while ago (drain.ts calls this once idle connections are closed too).
 */
export function closeLingering(): void {
  for (const close of [...lingering]) close();
}

/**
 * The raw body as a stream for the handler, read only as fast as the handler reads it. Past
 * `limit` bytes, `onTooLarge` is told (the accepting thread answers 413 at once) and the
 * handler's stream fails with the same error. If the handler stops reading (or its response
 * ends first), the rest of the body is discarded so the connection stays usable.
 */
export function bodyStream(payload: Readable | undefined, limit: number, onTooLarge: (err: Error) => void): LocalStream {
  if (payload === undefined) return new LocalStream({ next: () => Promise.resolve(null), cancel: () => undefined });
  const iterator = payload.iterator({ destroyOnReturn: false });
  let received = 0;
  let finished = false;
  const source: ChunkSource = {
    async next() {
      if (finished) return null;
      const step = await iterator.next();
      if (step.done) {
        finished = true;
        return null;
      }
      const chunk = step.value as Uint8Array;
      received += chunk.byteLength;
      if (received > limit) {
        finished = true;
        const err = new ERR_BODY_TOO_LARGE(limit);
        onTooLarge(err);
        discard();
        throw err;
      }
      return chunk;
    },
    cancel() {
      if (finished) return;
      finished = true;
      discard();
    },
  };
  function discard(): void {
    void iterator.return?.().catch(() => undefined);
    payload!.resume();
  }
  return new LocalStream(source);
}
