/**
 * Blocks of memory shared between threads (SharedArrayBuffer), kept by the thread that fills
 * them and used again, stream after stream. A large streamed chunk crosses to the thread that
 * writes the socket as a view on one of these blocks rather than in an ArrayBuffer of its own:
 * every new ArrayBuffer a thread receives counts as fresh external memory for its garbage
 * collector, and on a thread that writes a fast client's socket that memory, not the
 * JavaScript objects, sets off full collections far more often than a single-threaded server
 * has them (`--trace-gc`: "external memory pressure"; bench/streams.mjs). A block is sent to a
 * given stream's reader once; after that only its number and a length travel.
 */

/** The size of a block: the largest message a stream port sends (dispatch/stream-port.ts). */
export const BLOCK_BYTES = 1024 * 1024;
/** Free blocks a thread keeps for the next stream; more are let go. */
const KEEP_FREE = 4;
/** A thread that has not taken a block for this long lets its free ones go (memory follows the load). */
const IDLE_MS = 15_000;

export interface SharedBlock {
  readonly memory: SharedArrayBuffer;
  readonly bytes: Uint8Array;
}

const free: SharedBlock[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/** A block for this thread to fill: a free one, or a new one. */
export function takeBlock(): SharedBlock {
  if (idleTimer) idleTimer.refresh();
  else idleTimer = setTimeout(letFreeBlocksGo, IDLE_MS).unref();
  const block = free.pop();
  if (block) return block;
  const memory = new SharedArrayBuffer(BLOCK_BYTES);
  return { memory, bytes: new Uint8Array(memory) };
}

/**
 * A block the reader has given back: nothing reads it any more, on any thread. Only a block
 * given back may be filled again; one that is never given back (its reader went away) is
 * simply forgotten and collected.
 */
export function giveBackBlock(block: SharedBlock): void {
  if (free.length < KEEP_FREE) free.push(block);
}

/** How many free blocks this thread keeps now (for the tests). */
export function freeBlocks(): number {
  return free.length;
}

function letFreeBlocksGo(): void {
  free.length = 0;
  idleTimer = undefined;
}
