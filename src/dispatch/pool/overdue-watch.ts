import type { PoolThread } from './pool-thread';

/**
 * The pool's watchdog, one look at its threads: a timed-out handler that had awaited something
 * may be slow I/O (leave it) or stuck in a synchronous loop after the await (the thread's event
 * loop never idles). The event-loop utilization, read from the master without the thread's
 * help, tells them apart: above this share over one watchdog interval, the thread is blocked.
 */
const BLOCKED_UTILIZATION = 0.98;

/**
 * Threads whose event loop has been blocked for a whole interval since one of their handlers
 * timed out, and whether any thread still needs watching (one with an overdue handler). Each
 * thread keeps the start of its current window in `elu`.
 */
export function blockedAfterTimeout(threads: readonly PoolThread[]): { blocked: PoolThread[]; watching: boolean } {
  const blocked: PoolThread[] = [];
  let watching = false;
  for (const thread of threads) {
    if (thread.overdue === 0 || thread.state === 'retiring') {
      thread.elu = null;
      continue;
    }
    watching = true;
    if (thread.inSync.length > 0) {
      // A current task's synchronous part explains a busy loop; if that task is stuck too,
      // its own timeout replaces the thread. Start a fresh window once it is done.
      thread.elu = null;
      continue;
    }
    const now = thread.worker.performance.eventLoopUtilization();
    if (thread.elu && thread.worker.performance.eventLoopUtilization(now, thread.elu).utilization > BLOCKED_UTILIZATION) {
      blocked.push(thread);
      continue;
    }
    thread.elu = now;
  }
  return { blocked, watching };
}
