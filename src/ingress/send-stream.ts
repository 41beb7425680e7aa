import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { ChunkSource } from '../dispatch/chunk-source';
import { openStream, PortReceiver } from '../dispatch/stream-port';
import type { TaskResult } from '../dispatch/task';
import { ERR_CLIENT_GONE, ERR_STREAM_CUT, ERR_STREAM_IDLE } from '../errors';
import { resetResponse } from './http-server';

export interface StreamSettings {
  /** The route, for the log and the errors. */
  route: string;
  /** The thread's logger (request.log may be fastify's silent one on a lean ingress thread). */
  log: FastifyBaseLogger;
  /** Milliseconds the source may keep the client waiting for a chunk (0: no limit). */
  idleMs: number;
}

/**
 * A streamed result's body, as fastify sends it (`reply.send(readable)`: the app's onSend
 * hooks see it, fastify pipes it to the socket and destroys it when the client goes away).
 * It pulls its source only when the socket wants more, so a slow client slows the producer,
 * on whichever thread that runs. The idle limit counts only while a chunk is asked for and
 * none comes: a client that reads slowly is not the producer stalling.
 */
class StreamBody extends Readable {
  private reading = false;
  private waitingSince = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private ended = false;
  /** Borrowed chunks handed to the response, each with the socket's count of written bytes that covers it. */
  private readonly inFlight: Array<{ chunk: Uint8Array; until: number }> = [];
  /** When its chunks are borrowed: the stream they come from and the HTTP/1 response they go to. */
  private lending: { from: PortReceiver; to: ServerResponse } | undefined;

  constructor(
    private readonly source: ChunkSource,
    private readonly settings: StreamSettings,
    private readonly log: FastifyBaseLogger,
    private readonly res: FastifyReply['raw'],
  ) {
    super();
  }

  /**
   * Piped straight into the response (no onSend hook put a stream of its own in between), the
   * chunks of a stream from another thread are borrowed views on its shared blocks
   * (dispatch/stream-port.ts), given back once the socket has written them. Anywhere else they
   * are copies: what a transform does with a chunk after its callback is not ours to know.
   */
  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    const piped = super.pipe(destination, options);
    const source = this.source;
    const res = this.res;
    // HTTP/1 only: an HTTP/2 response's socket counts the bytes of every stream of its session.
    if ((destination as unknown) === res && res instanceof ServerResponse && source instanceof PortReceiver) {
      this.lending = { from: source, to: res };
      source.borrow();
      // After the pipe's own listener: the chunk has been written to the response.
      this.on('data', (chunk: Uint8Array) => {
        if (source.isBorrowed(chunk)) this.inFlight.push({ chunk, until: writtenOnceDone(res) });
      });
      res.once('finish', () => this.giveBack(Number.POSITIVE_INFINITY));
      res.once('close', () => this.giveBack(Number.POSITIVE_INFINITY));
    }
    return piped;
  }

  /** Gives back the borrowed chunks the socket has written (all of them: when the response is over). */
  private giveBack(written: number): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.until <= written) this.lending!.from.giveBack(this.inFlight.shift()!.chunk);
  }

  override _read(): void {
    if (this.lending && this.inFlight.length > 0) this.giveBack(written(this.lending.to.socket));
    if (this.reading) return;
    this.reading = true;
    this.armIdle();
    this.source.next().then(
      (chunk) => {
        this.reading = false;
        this.waitingSince = 0;
        if (this.destroyed) return;
        if (chunk === null) this.ended = true;
        this.push(chunk);
      },
      (err: unknown) => {
        this.reading = false;
        this.ended = true; // the source is done: nothing to cancel
        if (!this.destroyed) this.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // Destroyed while the socket may still be writing (a stream failed midway): its borrowed
    // chunks go back when the response closes, not before.
    if (!this.ended) {
      this.ended = true;
      this.source.cancel(err ?? new ERR_CLIENT_GONE());
    }
    if (err) {
      this.report(err);
      this.onFailed?.();
    }
    callback(err);
  }

  /** Told when the stream fails (not when its client leaves). */
  onFailed: (() => void) | undefined;

  private armIdle(): void {
    const idleMs = this.settings.idleMs;
    if (idleMs <= 0) return;
    this.waitingSince = Date.now();
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.checkIdle(), idleMs).unref();
  }

  private checkIdle(): void {
    if (!this.reading || this.waitingSince === 0 || this.destroyed) return;
    const waited = Date.now() - this.waitingSince;
    if (waited >= this.settings.idleMs) this.destroy(new ERR_STREAM_IDLE(this.settings.route, this.settings.idleMs));
    else this.idleTimer = setTimeout(() => this.checkIdle(), this.settings.idleMs - waited).unref();
  }

  private report(err: Error): void {
    const code = (err as { code?: unknown }).code;
    if (code === 'GOPOOL_ERR_CLIENT_GONE') return;
    if (code === 'GOPOOL_ERR_STREAM_IDLE')
      this.log.warn({ code, route: this.settings.route }, `${err.message}; the response was ended (its connection closed)`);
    else
      this.log.error(
        { err, route: this.settings.route },
        `the response stream of ${this.settings.route} failed after its headers were sent; the connection was closed`,
      );
  }
}

/** Bytes the socket has finished writing (handed to the kernel), NaN when it cannot say. */
function written(socket: Socket | null): number {
  if (socket === null) return Number.NaN;
  const dispatchedOrQueued = socket.bytesWritten as number | undefined;
  return dispatchedOrQueued === undefined ? Number.NaN : dispatchedOrQueued - socket.writableLength;
}

/**
 * The count of written bytes at which everything handed to the response so far has been
 * written: what is written now, plus all it holds (its own buffer, then its socket's, which
 * includes a write the kernel has taken only in part).
 */
function writtenOnceDone(res: ServerResponse): number {
  const now = written(res.socket);
  return Number.isNaN(now) ? Number.POSITIVE_INFINITY : now + res.writableLength;
}

/** Sends a Stream result: its status and headers now, its chunks as the client takes them. */
export function sendStream(reply: FastifyReply, result: TaskResult, settings: StreamSettings): void {
  const source = openStream(result.stream!, () => new ERR_STREAM_CUT(settings.route));
  const body = new StreamBody(source, settings, settings.log.child({ reqId: reply.request.id }), reply.raw);
  // A stream cut midway ends its connection with a reset, not a clean close: after a close,
  // some clients (undici's fetch on a Connection: close response) take the cut body for whole.
  body.onFailed = () => resetResponse(reply.raw);
  // Whatever ends the response (a HEAD request's answer without a body, a client that left
  // before fastify piped anything) ends the stream too.
  reply.raw.once('close', () => {
    if (!body.destroyed) body.destroy();
  });
  reply.send(body);
}
