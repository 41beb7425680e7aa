/**
 * The life of one kind of gopool thread (pool threads, ingress threads) as the master sees it:
 * starting one, when a start may be tried again after failures, retiring one gently, and
 * stopping one stuck in synchronous code. What each kind does with its threads in between
 * (tasks, connections) stays with its owner (dispatch/pool/thread-pool.ts,
 * ingress/threads/ingress-threads.ts).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../runtime/logger';
import { threadResourceLimits } from '../runtime/thread-limits';
import { interruptThread } from './interrupt-thread';
import { StartBackoff } from './start-backoff';
import { forwardThreadOutput } from './thread-output';

export interface ThreadLifeOptions {
  /** The compiled entry of this kind of thread (the entry claims the thread's role itself). */
  file: string;
  /** Old-generation heap limit per thread in MB; 0 leaves V8's default. */
  maxThreadMemory: number;
  /** Young-generation size per thread in MB; 0 leaves V8's default. */
  youngGenerationMb: number;
  log: Logger;
  /** What the log calls a thread of this kind: "thread", "ingress thread". */
  name: string;
}

/**
 * How long a retired thread may keep running the background work its handlers started (a log
 * flush, a webhook): long enough for work a request left behind, short enough that a thread
 * that never empties its event loop (an interval nobody clears) does not live on unnoticed.
 */
const RETIRE_GRACE_MS = 30_000;

export class ThreadLife {
  /** When a thread may be started again after failed starts (the owner tells it both). */
  readonly backoff = new StartBackoff();

  constructor(private readonly options: ThreadLifeOptions) {}

  /**
   * Starts a thread with the memory limits of the options, its console forwarded line by line.
   * No execArgv: the thread inherits the master's Node options, which the daemon chose for it;
   * V8's flags are the process's anyway, and a thread's own limits go in resourceLimits.
   */
  start(workerData: object): Worker {
    const worker = new Worker(this.options.file, {
      workerData,
      stdout: true,
      stderr: true,
      ...threadResourceLimits(this.options.maxThreadMemory, this.options.youngGenerationMb),
    });
    forwardThreadOutput(worker.stdout, process.stdout, worker.threadId);
    forwardThreadOutput(worker.stderr, process.stderr, worker.threadId);
    return worker;
  }

  /**
   * Retires a thread gently: `stop` tells it to take no more work (and may resolve once it has
   * finished what it had), and the thread exits when its event loop is empty, so background
   * work its handlers started still completes. A thread still running RETIRE_GRACE_MS after
   * that is terminated.
   */
  async retire(worker: Worker, stop: () => void | Promise<void>): Promise<void> {
    await stop();
    const timer = setTimeout(() => void worker.terminate(), RETIRE_GRACE_MS).unref();
    worker.once('exit', () => clearTimeout(timer));
  }

  /**
   * Stops the JavaScript a stuck thread is running without ending the thread
   * (interrupt-thread.ts), so its other work carries on; terminates the thread if that cannot
   * be done: `safe` is false while async_hooks are enabled on it (dispatch/sync-watch.ts,
   * `safeToInterrupt`), or the interrupt got no answer. True if the thread was interrupted.
   */
  async interruptOrTerminate(worker: Worker, { safe }: { safe: boolean }): Promise<boolean> {
    if (safe && (await interruptThread(worker.threadId))) return true;
    this.options.log.warn(
      { thread: worker.threadId },
      `terminating ${this.options.name} ${worker.threadId}: ${safe ? 'it could not be interrupted' : 'it cannot be interrupted safely while async_hooks are enabled on it'}`,
    );
    void worker.terminate();
    return false;
  }
}
