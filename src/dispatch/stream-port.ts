/**
 * A byte stream between two threads over a MessagePort of its own, with credit-based flow
 * control: the sending end has at most WINDOW bytes on their way or waiting unread at the
 * receiving end, and pulls its source only within that window, so a slow reader holds the
 * producer back on its thread (back pressure) and memory stays bounded whatever the size.
 *
 * Why not a transferred web ReadableStream (Node can transfer one): measured 10 MB in 64 KB
 * chunks from a worker, the port moved it about twice as fast, and a port handed on (an
 * ingress thread's request reaching a pool thread through the master) stays entangled with its
 * peer directly, where a transferred ReadableStream would be pumped through the master's
 * event loop by a second pair of ports.
 *
 * Messages, sender to receiver: [DATA, bytes], [END], [FAIL, packed error]; receiver to
 * sender: [CREDIT, bytes read], [CANCEL, code, message]. A port that closes without END or
 * FAIL (its thread exited) cuts the stream.
 */
import { Buffer } from 'node:buffer';
import { MessageChannel, MessagePort } from 'node:worker_threads';
import { ERR_CLIENT_GONE, rebuildRequestError } from '../errors';
import type { ChunkSource } from './chunk-source';
import { packThrown, unpackThrown } from './thrown-error';

const enum Msg {
  Data = 1,
  End = 2,
  Fail = 3,
  Credit = 4,
  Cancel = 5,
}

type Message = [Msg.Data, Uint8Array] | [Msg.End] | [Msg.Fail, unknown] | [Msg.Credit, number] | [Msg.Cancel, string, string];

/** Bytes the sender may have unread at the other end. */
const WINDOW = 1024 * 1024;
/** The receiver grants credit in steps of this many bytes read (fewer messages back). */
const CREDIT_STEP = WINDOW / 4;
/** Small chunks ready together travel as one message up to this size (a message costs more than the bytes). */
const COALESCE_BYTES = 64 * 1024;

/** Senders open in this thread (pool threads keep running while one is open). */
let openSenders = 0;
let onOpenChange: ((open: number) => void) | undefined;

/** Tells `listener` how many streams this thread is sending, each time that changes. */
export function watchOpenStreams(listener: (open: number) => void): void {
  onOpenChange = listener;
}

export function openStreams(): number {
  return openSenders;
}

/**
 * The producing end: pulls `source` while the window allows and posts what it reads. The
 * receiver's cancel (its client left, it stalled) cancels the source and calls `onCancel`.
 */
class PortSender {
  private unacked = 0;
  private pulling = false;
  private done = false;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;

  constructor(private readonly source: ChunkSource, private readonly port: MessagePort, private readonly onCancel: ((reason: Error) => void) | undefined) {
    openSenders++;
    onOpenChange?.(openSenders);
    port.on('message', (message: Message) => {
      if (message[0] === Msg.Credit) {
        this.unacked -= message[1];
        this.pump();
      } else if (message[0] === Msg.Cancel) {
        this.cancel(rebuildRequestError(message[1], message[2]));
      }
    });
    // The other end closed without a word: its thread exited.
    port.on('close', () => this.cancel(new ERR_CLIENT_GONE()));
    this.pump();
  }

  private pump(): void {
    if (this.pulling || this.done || this.unacked + this.pendingBytes >= WINDOW) return;
    this.pulling = true;
    this.source.next().then(
      (chunk) => {
        this.pulling = false;
        if (this.done) return;
        if (chunk === null) {
          this.finish([Msg.End]);
          return;
        }
        if (chunk.byteLength > 0) this.queue(chunk);
        this.pump();
      },
      (err: unknown) => {
        this.pulling = false;
        if (this.done) return;
        this.finish([Msg.Fail, packThrown(err)]);
      },
    );
  }

  /** Chunks ready one after the other go as one message; a lone small chunk waits at most a turn. */
  private queue(chunk: Uint8Array): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= COALESCE_BYTES) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (!this.done) this.flush();
      });
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.unacked += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.port.postMessage([Msg.Data, bytes]);
    if (!this.done) this.pump();
  }

  /** The source ended or failed: what is still pending goes first. */
  private finish(last: Message): void {
    this.done = true;
    this.flush();
    this.port.postMessage(last);
    this.release();
  }

  cancel(reason: Error): void {
    if (this.done) return;
    this.done = true;
    this.pending = [];
    this.source.cancel(reason);
    this.onCancel?.(reason);
    this.port.close();
    this.release();
  }

  private release(): void {
    openSenders--;
    onOpenChange?.(openSenders);
  }
}

/**
 * The reading end: a ChunkSource over the port. Credit goes back as chunks are taken by
 * `next()`, so only what its reader reads is replaced.
 */
export class PortReceiver implements ChunkSource {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: Error | null = null;
  private waiter: { resolve: (chunk: Uint8Array | null) => void; reject: (err: Error) => void } | null = null;
  private unreported = 0;

  constructor(private readonly port: MessagePort, private readonly cutOff: () => Error) {
    port.on('message', (message: Message) => this.onMessage(message));
    port.on('close', () => {
      if (!this.ended && this.failure === null) this.fail(this.cutOff());
    });
  }

  next(): Promise<Uint8Array | null> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) return Promise.resolve(this.taken(chunk));
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  cancel(reason: Error): void {
    if (this.ended || this.failure) return;
    this.ended = true;
    this.queue.length = 0;
    const code = (reason as Error & { code?: unknown }).code;
    this.port.postMessage([Msg.Cancel, typeof code === 'string' ? code : 'GOPOOL_ERR_CLIENT_GONE', reason.message]);
    this.port.close();
  }

  private onMessage(message: Message): void {
    if (this.ended || this.failure) return;
    switch (message[0]) {
      case Msg.Data: {
        const waiter = this.waiter;
        if (waiter) {
          this.waiter = null;
          waiter.resolve(this.taken(message[1]));
        } else {
          this.queue.push(message[1]);
        }
        return;
      }
      case Msg.End:
        // Chunks still queued are read before the end; the port is done either way.
        this.ended = true;
        this.port.close();
        if (this.waiter) {
          const { resolve } = this.waiter;
          this.waiter = null;
          resolve(null);
        }
        return;
      case Msg.Fail:
        this.fail(unpackThrown(message[1]));
        return;
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    this.queue.length = 0;
    this.port.close();
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(err);
    }
  }

  private taken(chunk: Uint8Array): Uint8Array {
    this.unreported += chunk.byteLength;
    if (this.unreported >= CREDIT_STEP && !this.ended) {
      this.port.postMessage([Msg.Credit, this.unreported]);
      this.unreported = 0;
    }
    return chunk;
  }
}

/**
 * A stream on the thread where it was made: read here as it is, or handed to another thread
 * as a port (`toPort`, once) when what carries it crosses (a task's raw body, a result).
 */
export class LocalStream implements ChunkSource {
  private sender: PortSender | undefined;
  private port: MessagePort | undefined;

  constructor(private readonly source: ChunkSource, private readonly onCancel?: (reason: Error) => void) {}

  next(): Promise<Uint8Array | null> {
    return this.source.next();
  }

  /** Stops the stream wherever it is read: here, or at the far end of its port (which sees it cut). */
  cancel(reason: Error): void {
    if (this.sender) {
      this.sender.cancel(reason);
      return;
    }
    this.source.cancel(reason);
    this.onCancel?.(reason);
  }

  toPort(): MessagePort {
    if (this.port === undefined) {
      const { port1, port2 } = new MessageChannel();
      this.sender = new PortSender(this.source, port1, this.onCancel);
      this.port = port2;
    }
    return this.port;
  }
}

export type StreamHandle = MessagePort | LocalStream;

/** Makes a stream that is about to cross threads a port; returns it for the transfer list. */
export function crossingPort(holder: { stream?: StreamHandle | undefined }): MessagePort | undefined {
  const stream = holder.stream;
  if (stream === undefined) return undefined;
  if (stream instanceof LocalStream) return (holder.stream = stream.toPort());
  return stream;
}

/** Where a stream arrived: read it here (a port becomes its receiving end). */
export function openStream(stream: StreamHandle, cutOff: () => Error): ChunkSource {
  return stream instanceof LocalStream ? stream : new PortReceiver(stream, cutOff);
}

/** A stream nobody will read (its request was answered otherwise): release its producer. */
export function dropStream(holder: { stream?: StreamHandle | undefined }, reason: Error): void {
  const stream = holder.stream;
  if (stream === undefined) return;
  if (stream instanceof LocalStream) stream.cancel(reason);
  else new PortReceiver(stream, () => reason).cancel(reason);
}

/**
 * The ports a batch of entries carries (a request's raw body, a result's streamed body), the
 * streams made ports first: the transfer list of the postMessage that sends the batch.
 * `at`: where in each entry the request or result is.
 */
export function streamTransfers(entries: ReadonlyArray<ReadonlyArray<unknown>>, at: number): MessagePort[] | undefined {
  let ports: MessagePort[] | undefined;
  for (const entry of entries) {
    const holder = entry[at] as { stream?: StreamHandle } | null | undefined;
    if (holder?.stream === undefined) continue;
    const port = crossingPort(holder);
    if (port !== undefined) (ports ??= []).push(port);
  }
  return ports;
}
