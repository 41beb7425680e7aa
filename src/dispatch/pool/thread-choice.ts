import { type PoolThread, SYNC_BUDGET_MS, type Task } from './pool-thread';

/**
 * Which pool thread takes a task, from what each thread has been promised. (Whether a request
 * goes to the pool at all is dispatch/placement.ts; this is the pool's own rule.)
 *
 * A thread is sent a task while its event loop is expected to be free within SYNC_BUDGET_MS:
 * cheap tasks are pipelined on one thread, a heavy one goes alone. Heavy work runs on at most
 * `cpus` threads at once, however many threads there are: more would only share the same
 * cores, and take them from the threads that accept connections.
 */

/** Busy with heavy work now: a synchronous run that fills the budget, or held continuations. */
export function isHeavy(thread: PoolThread): boolean {
  return thread.syncCost >= SYNC_BUDGET_MS || thread.held >= SYNC_BUDGET_MS;
}

export function heavyThreads(threads: readonly PoolThread[]): number {
  let n = 0;
  for (const thread of threads) if (isHeavy(thread)) n++;
  return n;
}

/** Can this thread start a task of this expected synchronous cost (ms) now? */
export function accepts(thread: PoolThread, cost: number, threads: readonly PoolThread[], cpus: number, concurrency: number): boolean {
  return (
    thread.state === 'ready' &&
    thread.running.size < concurrency &&
    ((thread.inSync.length === 0 && thread.held === 0) || thread.syncCost + thread.held + cost <= SYNC_BUDGET_MS) &&
    (cost < SYNC_BUDGET_MS || isHeavy(thread) || heavyThreads(threads) < cpus)
  );
}

/**
 * Can a thread running one heavy task be sent the next one now, to start as soon as the
 * first is done? Without it, every heavy task ends with its thread idle for a round trip
 * through the master (result in, next task out), the master itself waiting for a CPU the
 * heavy threads hold. Only once heavy work fills its CPUs, so no idle or new thread could
 * take the task sooner; the pool puts the next task back in its queue if the thread dies first.
 */
export function takesNext(thread: PoolThread, cost: number, threads: readonly PoolThread[], cpus: number): boolean {
  return (
    cost >= SYNC_BUDGET_MS &&
    thread.state === 'ready' &&
    thread.inSync.length === 1 &&
    thread.running.size === 1 &&
    thread.overdue === 0 &&
    isHeavy(thread) &&
    heavyThreads(threads) >= cpus
  );
}

/**
 * The thread a new task goes to, if one can take it now: the oldest that can start it (oldest
 * first so that load concentrates, and threads beyond what the load needs go idle and retire),
 * else, with nothing queued before it, a heavy thread that can take it next. (A task queued
 * earlier, a cheap one waiting for a thread to be free, goes first: heavy tasks sent next on
 * arrival would keep every thread busy and starve it.)
 */
export function threadFor(threads: readonly PoolThread[], cost: number, cpus: number, concurrency: number, queued: number): PoolThread | undefined {
  for (const thread of threads) if (accepts(thread, cost, threads, cpus, concurrency)) return thread;
  if (queued > 0) return undefined;
  for (const thread of threads) if (takesNext(thread, cost, threads, cpus)) return thread;
  return undefined;
}

/**
 * A task now awaiting on its thread, of a route that computes after its awaits (`asyncMs` of
 * continuations expected): the thread counts that time as promised until the task is done.
 */
export function hold(thread: PoolThread, task: Task, asyncMs: number): void {
  if (task.held > 0 || asyncMs < SYNC_BUDGET_MS) return;
  task.held = asyncMs;
  thread.held += asyncMs;
}

/**
 * The task is done: what it held is released. Summed afresh from the tasks still holding, not
 * subtracted: the holds are fractions of a millisecond apart, and a remainder left by rounding
 * (1e-16 ms) would keep an idle thread from ever taking a task of a whole budget again.
 */
export function release(thread: PoolThread, task: Task): void {
  if (task.held === 0) return;
  task.held = 0;
  let held = 0;
  for (const other of thread.running.values()) held += other.held;
  thread.held = held;
}
