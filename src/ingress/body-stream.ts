import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERR_BODY_TOO_LARGE } from '../errors';
import type { ChunkSource } from '../dispatch/chunk-source';
import { LocalStream } from '../dispatch/stream-port';

/**
 * Routes with `body: "stream"` live in a scope of their own where no content type parser runs:
 * the body is handed on as it arrives (after the app's preParsing hooks, which may decompress
 * it). A declared length above the route's `bodyLimit` is a 413 before anything is read.
 */
export function rawBodyScope(mount: (scope: FastifyInstance) => void) {
  return async function gopoolRawBodies(scope: FastifyInstance): Promise<void> {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (req: FastifyRequest, payload: unknown, done: (err: Error | null, body?: unknown) => void) => {
      const limit = req.routeOptions.bodyLimit ?? Infinity;
      if (Number(req.headers['content-length']) > limit) {
        done(new ERR_BODY_TOO_LARGE(limit));
        return;
      }
      done(null, payload);
    });
    mount(scope);
  };
}

/**
 * The raw body as a stream for the handler, read only as fast as the handler reads it. Past
 * `limit` bytes, `onTooLarge` is told (the accepting thread answers 413 at once) and the
 * handler's stream fails with the same error. If the handler stops reading (or the request
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
