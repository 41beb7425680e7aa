/**
 * Blocks of memory shared between threads (SharedArrayBuffer), kept by the thread that fills
 * them and used again, stream after stream. A large streamed chunk crosses to the thread that
 * writes the socket as a view on one of these blocks rather than in an ArrayBuffer of its own:
 * every new ArrayBuffer a thread receives counts as fresh external memory for its garbage
 * collector, and on a thread that writes a fast client's socket that memory, not the
 * JavaScript objects, sets off full collections far more often than a single-threaded server
 * has them (`--trace-gc`: "external memory pressure"; bench/streams.mjs). A block is sent to a
 * given stream's reader once; after that only its number and a length travel.
 *
 * Blocks come in sizes from SMALLEST_BLOCK to LARGEST_BLOCK, doubling, so a message takes at
 * most twice its size (a slow reader's small messages do not each hold a large block). Every
 * block given back is kept, up to KEEP_BYTES: blocks dropped and made again would wait for
 * the collector of every thread that saw them before their memory is freed, which is the
 * churn this file exists to avoid. A thread that has not streamed for IDLE_MS lets them go.
 */

export const SMALLEST_BLOCK = 64 * 1024;
export const LARGEST_BLOCK = 1024 * 1024;
/** Bytes of free blocks a thread keeps at most. */
const KEEP_BYTES = 64 * 1024 * 1024;
/** A thread that has not taken a block for this long lets its free ones go (memory follows the load). */
const IDLE_MS = 15_000;

export interface SharedBlock {
  readonly memory: SharedArrayBuffer;
  readonly bytes: Uint8Array;
}

/** Free blocks by size class: free[k] holds blocks of SMALLEST_BLOCK << k bytes. */
const free: SharedBlock[][] = [];
let freeBytes = 0;
let idleTimer: NodeJS.Timeout | undefined;

function sizeClass(bytes: number): number {
  let k = 0;
  while (SMALLEST_BLOCK << k < bytes) k++;
  return k;
}

/** A block of at least `size` bytes (at most LARGEST_BLOCK) for this thread to fill: a free one, or a new one. */
export function takeBlock(size: number): SharedBlock {
  if (idleTimer) idleTimer.refresh();
  else idleTimer = setTimeout(letFreeBlocksGo, IDLE_MS).unref();
  const k = sizeClass(size);
  const block = free[k]?.pop();
  if (block) {
    freeBytes -= block.bytes.byteLength;
    return block;
  }
  const memory = new SharedArrayBuffer(SMALLEST_BLOCK << k);
  return { memory, bytes: new Uint8Array(memory) };
}

/**
 * A block the reader has given back: nothing reads it any more, on any thread. Only a block
 * given back may be filled again; one that is never given back (its reader went away) is
 * simply forgotten and collected.
 */
export function giveBackBlock(block: SharedBlock): void {
  if (freeBytes + block.bytes.byteLength > KEEP_BYTES) return;
  (free[sizeClass(block.bytes.byteLength)] ??= []).push(block);
  freeBytes += block.bytes.byteLength;
}

/** Bytes of free blocks this thread keeps now. */
export function freeBlockBytes(): number {
  return freeBytes;
}

function letFreeBlocksGo(): void {
  free.length = 0;
  freeBytes = 0;
  idleTimer = undefined;
}
