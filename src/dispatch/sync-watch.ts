/**
 * Which handler a thread is running synchronously right now, written where the master can
 * read it without the thread's help (a SharedArrayBuffer): a handler stuck in synchronous code
 * (an endless loop) never lets its thread answer a message, so the master must see it from
 * outside, interrupt it (threads/interrupt-thread.ts), and then this thread answers the
 * request that was running.
 *
 * Slot: [started at (ms since the epoch; 0 while nothing runs), timeout (ms), route index,
 * async_hooks enabled on the thread (runtime/async-hooks-count.ts)].
 */
import type { Cancellation } from './task';

const SLOT_BYTES = 4 * Float64Array.BYTES_PER_ELEMENT;

export function syncWatchBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOT_BYTES);
}

/** The thread's side: set around every synchronous run of a handler. */
export class SyncWatch {
  private readonly slot: Float64Array;
  private readonly index: Map<string, number>;
  private routeKey: string | undefined;
  private cancel: Cancellation | undefined;

  constructor(buffer: SharedArrayBuffer, routeKeys: readonly string[]) {
    this.slot = new Float64Array(buffer);
    this.index = new Map(routeKeys.map((key, i) => [key, i] as const));
  }

  /** The route's index in the slot (-1: not one of the thread's routes). */
  indexOf(routeKey: string): number {
    return this.index.get(routeKey) ?? -1;
  }

  /** `index`: the route's, when the caller keeps it (indexOf). */
  enter(routeKey: string, timeout: number, cancel: Cancellation | undefined, index = this.indexOf(routeKey)): void {
    this.routeKey = routeKey;
    this.cancel = cancel;
    this.slot[1] = timeout;
    this.slot[2] = index;
    this.slot[0] = Date.now();
  }

  /** How many async_hooks are enabled on the thread now. */
  hooksEnabled(count: number): void {
    this.slot[3] = count;
  }

  leave(): void {
    this.slot[0] = 0;
    this.routeKey = undefined;
    this.cancel = undefined;
  }

  /**
   * After the master interrupted this thread: the run the interrupt cut short (its `leave()`
   * never came), or undefined if the thread was stuck elsewhere (after an await).
   */
  takeInterrupted(): { routeKey: string; cancel: Cancellation | undefined; ranMs: number } | undefined {
    const started = this.slot[0]!;
    const routeKey = this.routeKey;
    const cancel = this.cancel;
    this.leave();
    return started > 0 && routeKey !== undefined ? { routeKey, cancel, ranMs: Date.now() - started } : undefined;
  }
}

/**
 * The master's side: may the thread be interrupted without risking the process? With an
 * async_hook on (an AsyncLocalStorage on a Node before 24, an APM agent), node keeps a stack
 * of the async callbacks running; unwinding one of them leaves it unbalanced and node aborts.
 */
export function safeToInterrupt(buffer: SharedArrayBuffer): boolean {
  return new Float64Array(buffer)[3] === 0;
}

/** The master's side: is the thread inside one handler's synchronous run past its timeout? */
export function overdueSyncRun(buffer: SharedArrayBuffer, now = Date.now()): { routeIndex: number; ranMs: number } | undefined {
  const slot = new Float64Array(buffer);
  const started = slot[0]!;
  if (started === 0 || now - started <= slot[1]!) return undefined;
  return { routeIndex: slot[2]!, ranMs: now - started };
}
