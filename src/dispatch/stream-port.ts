/**
 * A byte stream between two threads over a MessagePort of its own, with credit-based flow
 * control: the sending end pulls its source only while the bytes it sent and the reader has
 * not read stay within a window, so a slow reader holds the producer back on its thread (back
 * pressure) and memory stays bounded whatever the size.
 *
 * The window starts at INITIAL_WINDOW and doubles, up to MAX_WINDOW, each time the reader asks
 * for a chunk and none is there: a fast reader (a client on a fast link) gets a wide window,
 * big messages and few thread wake-ups; a slow reader is always ahead of its data and keeps
 * the small one, so a thousand slow downloads do not hold a thousand large windows.
 * Chunks ready one after the other travel together, copied once into a block of shared memory
 * the sending thread keeps and fills again once the reader gives it back
 * (dispatch/shared-blocks.ts): no new ArrayBuffer per message on either thread, so neither
 * collector is pushed by external memory (cloned 64 KiB messages, then transferred 1 MiB
 * buffers, cost more: bench/streams.mjs). A reader that cannot say when it is done with a
 * chunk (a handler reading a request body) gets a copy and gives the block back at once; the
 * reader that writes a response to its socket borrows the block and gives it back when the
 * socket has written it (ingress/send-stream.ts). Messages too small or too large for a block
 * are cloned or transferred as before.
 *
 * Why not a transferred web ReadableStream (Node can transfer one): from one thread to the
 * next the two move bytes about as fast (bench/stream-transfer.mjs), but a transferred stream
 * clones every chunk and has one in flight at a time, where this port chooses its window and
 * message size (what the thread writing the socket pays for, above); and a port handed on (an
 * ingress thread's request reaching a pool thread through the master) stays entangled with its
 * peer directly, where a transferred ReadableStream would be pumped through the master's
 * event loop by a second pair of ports.
 *
 * Messages, sender to receiver: [DATA, bytes], [SHARED, block, length, memory the first time
 * this block crosses this port], [END], [FAIL, packed error]; receiver to sender: [CREDIT, bytes]
 * (bytes read, or a wider window), [RELEASE, block], [CANCEL, code, message]. A port that closes
 * without END or FAIL (its thread exited) cuts the stream. After END the receiver keeps its port
 * open until it has given back every block it borrowed.
 */
import { Buffer } from 'node:buffer';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ERR_CLIENT_GONE, rebuildError } from '../errors';
import type { ChunkSource } from './chunk-source';
import { giveBackBlock, LARGEST_BLOCK, type SharedBlock, SMALLEST_BLOCK, takeBlock } from './shared-blocks';
import { packThrown, unpackThrown } from './thrown-error';

const enum Msg {
  Data = 1,
  End = 2,
  Fail = 3,
  Credit = 4,
  Cancel = 5,
  Shared = 6,
  Release = 7,
}

type Message =
  | [Msg.Data, Uint8Array]
  | [Msg.Shared, number, number, SharedArrayBuffer?]
  | [Msg.End]
  | [Msg.Fail, unknown]
  | [Msg.Credit, number]
  | [Msg.Release, number]
  | [Msg.Cancel, string, string];

/** Bytes the sender may have unread at the other end, at first (both ends start from it). */
const INITIAL_WINDOW = 256 * 1024;
/** The widest window a reader that keeps waiting for data is given. */
const MAX_WINDOW = 2 * 1024 * 1024;
/** Chunks ready together travel as one message up to this size (a lone larger chunk, alone). */
const MESSAGE_BYTES = LARGEST_BLOCK;
/** Smaller messages are cloned: Buffer.concat takes those from a shared pool, which must not move. */
const TRANSFER_FROM = 4096;

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
  /** Bytes posted so far, and how many the receiver allows in all (read + window). */
  private sent = 0;
  private allowed = INITIAL_WINDOW;
  private pulling = false;
  private done = false;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** The blocks this port has seen, by their number on it, and those the receiver holds now. */
  private readonly blocks: SharedBlock[] = [];
  private readonly numbers = new Map<SharedBlock, number>();
  private readonly lent = new Set<number>();

  constructor(
    private readonly source: ChunkSource,
    private readonly port: MessagePort,
    private readonly onCancel: ((reason: Error) => void) | undefined,
  ) {
    openSenders++;
    onOpenChange?.(openSenders);
    port.on('message', (message: Message) => {
      if (message[0] === Msg.Credit) {
        this.allowed += message[1];
        this.pump();
      } else if (message[0] === Msg.Release) {
        if (this.lent.delete(message[1])) giveBackBlock(this.blocks[message[1]]!);
      } else if (message[0] === Msg.Cancel) {
        this.cancel(rebuildError(message[1], message[2]));
      }
    });
    // The other end closed without a word: its thread exited.
    port.on('close', () => this.cancel(new ERR_CLIENT_GONE()));
    this.pump();
  }

  private pump(): void {
    if (this.pulling || this.done) return;
    if (this.sent + this.pendingBytes >= this.allowed) {
      this.flush(); // the window is full: what is pending goes now, not at the end of the turn
      return;
    }
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
    if (this.pendingBytes > 0 && this.pendingBytes + chunk.byteLength > MESSAGE_BYTES) this.flush();
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= MESSAGE_BYTES) {
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
    const size = this.pendingBytes;
    // A copy of our own, never the producer's buffer (it may reuse it).
    if (size >= SMALLEST_BLOCK && size <= LARGEST_BLOCK) this.postShared(size);
    else this.postCopy(size);
    this.sent += size;
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.done) this.pump();
  }

  /** The pending chunks copied into a block, which the receiver borrows until it gives it back. */
  private postShared(size: number): void {
    const block = takeBlock(size);
    let at = 0;
    for (const chunk of this.pending) {
      block.bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    let number = this.numbers.get(block);
    const first = number === undefined;
    if (number === undefined) {
      number = this.blocks.push(block) - 1;
      this.numbers.set(block, number);
    }
    this.lent.add(number);
    this.port.postMessage(first ? [Msg.Shared, number, size, block.memory] : [Msg.Shared, number, size]);
  }

  /** The pending chunks in a buffer of their own, moved to the other thread (cloned when small). */
  private postCopy(size: number): void {
    const bytes = Buffer.concat(this.pending, size);
    const own = bytes.byteLength >= TRANSFER_FROM && bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
    this.port.postMessage([Msg.Data, bytes], own ? [bytes.buffer as ArrayBuffer] : undefined);
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
 * `next()`, so only what its reader reads is replaced; a `next()` that finds nothing waiting
 * widens the window.
 */
export class PortReceiver implements ChunkSource {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: Error | null = null;
  private waiter: { resolve: (chunk: Uint8Array | null) => void; reject: (err: Error) => void } | null = null;
  private unreported = 0;
  private window = INITIAL_WINDOW;
  /** The sender's blocks, by their number on this port. */
  private readonly blocks: SharedArrayBuffer[] = [];
  /** Chunks handed out as views on a block, not yet given back (see `borrow`). */
  private readonly borrowed = new Map<Uint8Array, number>();
  private borrowing = false;
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    private readonly cutOff: () => Error,
  ) {
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
    if (this.window < MAX_WINDOW) {
      // The reader outpaces the window: widen it.
      this.port.postMessage([Msg.Credit, this.window]);
      this.window *= 2;
    }
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
    this.close();
  }

  /**
   * From now on, chunks that come in a shared block are handed out as views on it, not copies,
   * and the block stays the reader's until it calls `giveBack` with the chunk: the reader
   * promises to, once nothing reads those bytes any more (a socket has written them), and at
   * the latest when it is done with the stream. Without it, each such chunk is copied as it
   * arrives and its block given back at once.
   */
  borrow(): void {
    this.borrowing = true;
  }

  /** Is this chunk a view on a block that must be given back? */
  isBorrowed(chunk: Uint8Array): boolean {
    return this.borrowed.has(chunk);
  }

  /** The reader is done with this borrowed chunk: its block may be filled again. */
  giveBack(chunk: Uint8Array): void {
    const number = this.borrowed.get(chunk);
    if (number === undefined) return;
    this.borrowed.delete(chunk);
    if (this.closed) return; // the sender no longer listens: it forgets the block
    this.port.postMessage([Msg.Release, number]);
    if (this.ended && this.borrowed.size === 0) this.close();
  }

  private close(): void {
    this.closed = true;
    this.port.close();
  }

  private onMessage(message: Message): void {
    if (this.ended || this.failure) return;
    switch (message[0]) {
      case Msg.Data:
        this.arrived(message[1]);
        return;
      case Msg.Shared: {
        const [, number, size, memory] = message;
        if (memory) this.blocks[number] = memory;
        const view = Buffer.from(this.blocks[number]!, 0, size);
        if (this.borrowing) {
          this.borrowed.set(view, number);
          this.arrived(view);
        } else {
          this.arrived(Buffer.from(view));
          this.port.postMessage([Msg.Release, number]);
        }
        return;
      }
      case Msg.End:
        // Chunks still queued are read before the end. The port stays open while borrowed
        // blocks are out: giving them back is how the sender may use them again.
        this.ended = true;
        if (this.borrowed.size === 0) this.close();
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

  private arrived(chunk: Uint8Array): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter.resolve(this.taken(chunk));
    } else {
      this.queue.push(chunk);
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    this.queue.length = 0;
    this.close();
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(err);
    }
  }

  private taken(chunk: Uint8Array): Uint8Array {
    this.unreported += chunk.byteLength;
    if (this.unreported >= this.window / 2 && !this.ended) {
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

  constructor(
    private readonly source: ChunkSource,
    private readonly onCancel?: (reason: Error) => void,
  ) {}

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
