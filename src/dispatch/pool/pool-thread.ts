import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { TaskRequest, TaskResult } from '../task';

// A request on its way through the pool, and a pool thread as the master keeps track of it.

/**
 * Synchronous work one thread may have promised at once. Small enough that a task never
 * waits long behind others on the same thread (central-queue fairness), large enough to
 * pipeline dozens of cheap handlers per message.
 */
export const SYNC_BUDGET_MS = 1;

export interface Task {
  id: number;
  routeKey: string;
  request: TaskRequest;
  resolve: (result: TaskResult) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  thread: PoolThread | null;
  queuedAt: number;
  sentAt: number;
  /** Expected thread time in ms (synchronous run and continuations), fixed when queued: the queue's lane. */
  cost: number;
  /** Expected synchronous run in ms: what sending it promises of a thread at once. */
  sync: number;
  /** Continuation time it holds its thread for once it awaits (routes that compute after awaits). */
  held: number;
  /** The client has its answer (result, 504, ...); a late result is dropped. */
  settled: boolean;
  /** Sent to a thread as its next heavy task while it still ran another (thread-choice.ts `takesNext`). */
  next: boolean;
}

export type ThreadState = 'starting' | 'ready' | 'retiring';

export interface PoolThread {
  worker: Worker;
  state: ThreadState;
  /** Its id in the operating system, once it said (monitoring). */
  tid: number;
  /** Tasks sent to this thread and not yet done. */
  running: Map<number, Task>;
  /**
   * Tasks sent whose synchronous part has not run yet, in the order the thread runs them,
   * and the sum of their expected run times. A thread is sent more work only while that
   * sum stays under SYNC_BUDGET_MS: cheap handlers are pipelined, a CPU-heavy one goes
   * alone, and the rest waits in the central queue for whichever thread frees up first.
   */
  inSync: Task[];
  syncCost: number;
  /**
   * Continuation time promised by tasks awaiting on this thread whose route computes after its
   * awaits (bcryptjs, rendering in steps): such a thread's event loop is busy although no
   * synchronous run is pending, so it counts against the budget like one. Routes that mostly
   * wait on I/O hold nothing: any number of them share a thread.
   */
  held: number;
  idleTimer: NodeJS.Timeout | null;
  /** When its idle timer was armed. */
  idleSince: number;
  /** Tasks that timed out while running here; the watchdog checks whether the thread is stuck. */
  overdue: number;
  elu: EventLoopUtilization | null;
  heapUsed: number;
  heapTotal: number;
  completed: number;
  /** Where it says which handler it runs synchronously (dispatch/sync-watch.ts). */
  syncBuffer: SharedArrayBuffer;
  /** It still sends a streamed response: not idle, whatever it runs. */
  streaming: boolean;
}
