import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import {
  ERR_CLIENT_GONE,
  ERR_CLOSED,
  ERR_NO_THREAD,
  ERR_QUEUE_FULL,
  ERR_REQUEST_NOT_CLONEABLE,
  ERR_THREAD_EXIT,
  ERR_THREADS_FAILED,
  ERR_TIMEOUT,
} from '../../errors';
import type { Logger } from '../../runtime/logger';
import { ThreadLife } from '../../threads/thread-life';
import { RouteCosts } from '../route-costs';
import { dropStream, streamTransfers } from '../stream-port';
import { safeToInterrupt, syncWatchBuffer } from '../sync-watch';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from '../task';
import { TurnBatches } from '../turn-batches';
import { CentralQueue } from './central-queue';
import { blockedAfterTimeout } from './overdue-watch';
import { type PoolThread, SYNC_BUDGET_MS, type Task, type ThreadState } from './pool-thread';
import { type MessageToMaster, type MessageToThread, type ProgressEntry, type TaskEntry, type ThreadData, ToMaster, ToThread } from './protocol';
import { accepts, heavyThreads, hold, release, takesNext, threadFor } from './thread-choice';

export interface ThreadPoolOptions {
  /** Compiled thread entry (thread-main.js). */
  threadFile: string;
  threadData: Omit<ThreadData, 'syncBuffer'>;
  minThreads: number;
  maxThreads: number;
  maxQueue: number;
  idleTimeout: number;
  /** Tasks one thread runs at once while their handlers await. */
  concurrency: number;
  /**
   * CPUs the process may use (config/cpu-count.ts): at most this many threads run heavy work
   * at once, however many threads there are; more would only share the same cores, and take
   * them from the threads that accept connections.
   */
  cpus: number;
  /** Old-generation heap limit per thread in MB; 0 leaves V8's default. */
  maxThreadMemory: number;
  /** Young-generation size per thread in MB; 0 leaves V8's default. */
  youngGenerationMb: number;
  log: Logger;
  /** Called for every answered task, with how long it queued and ran (ms). For metrics. */
  onTaskTimes?: (waitMs: number, runMs: number) => void;
}

/** One thread, as monitoring sees it. */
export interface ThreadSnapshot {
  threadId: number;
  /** The thread's id in the operating system (0 until it said, or where there is none): which thread of `ps -L` it is. */
  tid: number;
  /** `pool`: runs tasks from the central queue; `ingress`: accepts connections itself. */
  role: 'pool' | 'ingress';
  /** Requests it answered. */
  requests: number;
  state: ThreadState;
  running: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Kept-alive connections it holds (ingress threads: they accept connections). */
  connections?: number;
}

export interface PoolStats {
  threads: number;
  startingThreads: number;
  busyThreads: number;
  queued: number;
  /** Requests on a thread whose client still waits. */
  running: number;
  /** Handlers still running whose client already got a 504. */
  overdue: number;
  completed: number;
  failed: number;
  timedOut: number;
  rejected: number;
  /** Requests whose client went away before the answer (queued ones never ran). */
  cancelled: number;
  /** Handlers stuck in synchronous code that were stopped without ending their thread. */
  interrupted: number;
  threadsStarted: number;
  threadsReplaced: number;
}

/** At least this long for each thread's onThreadStop when the pool closes. */
const STOP_HOOK_MS = 3000;
/** How often the watchdog looks for threads whose event loop is blocked past a timeout. */
const WATCHDOG_INTERVAL_MS = 500;
/**
 * How long queued work waits before another thread is started for it. A burst of a route not
 * measured yet counts each request as a thread's whole budget, so it queues; the first
 * answers show whether it is cheap, and a cheap route needs no second thread. Starting a
 * thread takes several times longer than this wait, so a heavy burst loses little.
 */
const GROW_AFTER_MS = 10;

/**
 * The elastic pool of worker threads with one central FIFO queue.
 *
 * Why not piscina: it costs the master many times the CPU per task of this pool's batched
 * messages (bench/dispatch-overhead.mjs compares them), and on the master ingress the
 * master's CPU is the throughput ceiling. And piscina either queues tasks behind busy threads
 * (concurrentTasksPerWorker > 1) or gives up I/O concurrency (= 1); this pool sends a thread
 * work only while its event loop is expected to be free within SYNC_BUDGET_MS, so awaiting
 * handlers share a thread and CPU-heavy ones never hold up others.
 *
 * It keeps piscina's guarantees: a crashed thread fails only its own tasks and is replaced,
 * a task past its timeout is answered at once and a thread stuck in synchronous code is
 * terminated, the queue is bounded, idle threads retire.
 */
export class ThreadPool extends EventEmitter implements Dispatcher {
  private readonly threads: PoolThread[] = [];
  private readonly queue = new CentralQueue<Task>(SYNC_BUDGET_MS);
  private nextId = 1;
  private closing = false;
  private spawnRetry: NodeJS.Timeout | null = null;
  private growTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly costs = new RouteCosts();
  private readonly outbox = new TurnBatches<PoolThread, TaskEntry>((thread, batch) => this.sendBatch(thread, batch));
  private readonly counters = { completed: 0, failed: 0, timedOut: 0, rejected: 0, cancelled: 0, threadsStarted: 0, threadsReplaced: 0, interrupted: 0 };
  private readonly life: ThreadLife;

  constructor(private readonly options: ThreadPoolOptions) {
    super();
    this.life = new ThreadLife({
      file: options.threadFile,
      maxThreadMemory: options.maxThreadMemory,
      youngGenerationMb: options.youngGenerationMb,
      log: options.log,
      name: 'thread',
    });
  }

  /**
   * Starts min-threads threads, at least one, and resolves when the first is ready: a thread
   * that cannot load the app file is a start-up error, not a 500 on the first request.
   */
  async start(): Promise<void> {
    this.spawn();
    for (let i = 1; i < this.options.minThreads; i++) this.spawn();
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        cleanup();
        resolve();
      };
      const onFatal = (message: string): void => {
        cleanup();
        reject(new ERR_THREADS_FAILED(message));
      };
      const cleanup = (): void => {
        this.off('thread-ready', onReady);
        this.off('thread-fatal', onFatal);
      };
      this.on('thread-ready', onReady);
      this.on('thread-fatal', onFatal);
    });
  }

  run(routeKey: string, request: TaskRequest, timeout: number, cancel?: Cancellation): Promise<TaskResult> {
    if (this.closing) return Promise.reject(new ERR_CLOSED());
    return new Promise<TaskResult>((resolve, reject) => {
      const task: Task = {
        id: this.nextId++,
        routeKey,
        request,
        resolve,
        reject,
        thread: null,
        settled: false,
        next: false,
        // A route never measured counts as filling a thread's budget: it goes alone until known.
        queuedAt: performance.now(),
        sentAt: 0,
        cost: this.costs.expected(routeKey) ?? this.costs.expectedSync(routeKey) ?? SYNC_BUDGET_MS,
        sync: this.costs.expectedSync(routeKey) ?? SYNC_BUDGET_MS,
        held: 0,
        timer: setTimeout(() => this.onTimeout(task, timeout), timeout),
      };
      if (cancel) {
        cancel.onCancel = () => this.onCancel(task);
        cancel.watch();
      }
      const thread = threadFor(this.threads, task.sync, this.options.cpus, this.options.concurrency, this.queue.size);
      if (thread) {
        this.send(thread, task);
        return;
      }
      this.growSoon();
      // Each starting thread will take one queued task the moment it is ready.
      if (this.queue.size >= this.options.maxQueue + this.startingCount()) {
        this.counters.rejected++;
        this.fail(task, new ERR_QUEUE_FULL());
        return;
      }
      this.queue.add(task);
    });
  }

  /** What a route's handler is expected to cost its thread per request (ms): its synchronous run and the rest, if measured. */
  expectedCost(routeKey: string): { sync: number; async: number } | undefined {
    const sync = this.costs.expectedSync(routeKey);
    return sync === undefined ? undefined : { sync, async: this.costs.expectedAsync(routeKey) };
  }

  /** Has the pool a thread ready to run a task now? */
  get hasReadyThread(): boolean {
    return this.threads.some((thread) => thread.state === 'ready');
  }

  stats(): PoolStats {
    let running = 0;
    let overdue = 0;
    let busy = 0;
    for (const thread of this.threads) {
      running += thread.running.size - thread.overdue;
      overdue += thread.overdue;
      if (thread.running.size > 0) busy++;
    }
    return {
      threads: this.threads.length,
      startingThreads: this.startingCount(),
      busyThreads: busy,
      queued: this.queue.size,
      running,
      overdue,
      ...this.counters,
    };
  }

  /** Each thread's state, load and heap, with its Worker (for event-loop utilization). */
  threadSnapshots(): Array<ThreadSnapshot & { worker: Worker }> {
    return this.threads.map((t) => ({
      threadId: t.worker.threadId,
      tid: t.tid,
      role: 'pool' as const,
      state: t.state,
      running: t.running.size - t.overdue,
      requests: t.completed,
      heapUsedBytes: t.heapUsed,
      heapTotalBytes: t.heapTotal,
      worker: t.worker,
    }));
  }

  /** Can the pool take work now (a thread ready, or one may be started)? For /readyz. */
  canServe(): boolean {
    return !this.closing && (this.threads.some((t) => t.state === 'ready') || this.canGrow());
  }

  get limits(): { minThreads: number; maxThreads: number } {
    return { minThreads: this.options.minThreads, maxThreads: this.options.maxThreads };
  }

  /**
   * Stops taking tasks, lets queued and running ones finish for up to `grace` ms, then
   * terminates every thread.
   */
  async close(grace: number): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + grace;
    while (this.queue.size + this.stats().running > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now())));
        this.once('task-settled', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const task of this.queue.drain()) this.fail(task, new ERR_CLOSED());
    if (this.spawnRetry) clearTimeout(this.spawnRetry);
    if (this.growTimer) clearTimeout(this.growTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    // Each thread runs the app's onThreadStop and exits on its own; what is left at the
    // deadline (or a few seconds on, with no grace left) is terminated.
    const exited = this.threads.map(
      (thread) =>
        new Promise<void>((resolve) => {
          thread.worker.once('exit', () => resolve());
          this.post(thread, [ToThread.Retire]);
        }),
    );
    const wait = Math.max(deadline - Date.now(), STOP_HOOK_MS);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(exited),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, wait);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  // ---- placement -------------------------------------------------------------------------

  private canGrow(): boolean {
    return !this.closing && this.liveCount() < this.options.maxThreads && this.life.backoff.waitMs(Date.now()) === 0;
  }

  /**
   * Starts threads for queued work that is still waiting GROW_AFTER_MS from now: one for each
   * queued task no starting thread will take, up to max-threads. With no thread at all, one
   * starts at once.
   */
  private growSoon(): void {
    if (!this.canGrow()) return;
    if (this.liveCount() === 0) {
      this.spawn();
      return;
    }
    this.growTimer ??= setTimeout(() => {
      this.growTimer = null;
      while (this.queue.size > this.startingCount() && this.canGrow() && this.wouldRunNow(this.queue.peek())) this.spawn();
    }, GROW_AFTER_MS);
    this.growTimer.unref();
  }

  /**
   * Could a new thread run this queued task at once? Heavy work is capped at the CPU count,
   * threads starting now counted as heavy (they will take the queue's head).
   */
  private wouldRunNow(task: Task | undefined): boolean {
    return task !== undefined && (task.sync < SYNC_BUDGET_MS || heavyThreads(this.threads) + this.startingCount() < this.options.cpus);
  }

  private liveCount(): number {
    let n = 0;
    for (const thread of this.threads) if (thread.state !== 'retiring') n++;
    return n;
  }

  private startingCount(): number {
    let n = 0;
    for (const thread of this.threads) if (thread.state === 'starting') n++;
    return n;
  }

  private send(thread: PoolThread, task: Task): void {
    task.thread = thread;
    task.next = task.sync >= SYNC_BUDGET_MS && thread.inSync.length > 0;
    task.sentAt = performance.now();
    thread.running.set(task.id, task);
    thread.inSync.push(task);
    thread.syncCost += task.sync;
    if (thread.idleTimer) {
      clearTimeout(thread.idleTimer);
      thread.idleTimer = null;
    }
    this.outbox.add(thread, [task.id, task.routeKey, task.request]);
    // A thread whose budget this fills takes nothing else this turn: send now. Waiting for
    // the end of the master's turn (answering the HTTP requests whose results just came in)
    // would leave a CPU-heavy thread idle for part of every task.
    if (thread.syncCost >= SYNC_BUDGET_MS) this.outbox.sendNow(thread);
  }

  private sendBatch(thread: PoolThread, batch: TaskEntry[]): void {
    if (thread.state === 'retiring') return; // its tasks were failed when it was doomed
    try {
      thread.worker.postMessage([ToThread.Tasks, batch], streamTransfers(batch, 2));
    } catch {
      // Only a request the headerGetter filled with something uncloneable gets here:
      // send one by one so that only that request fails.
      for (const entry of batch) this.sendAlone(thread, entry);
    }
  }

  private sendAlone(thread: PoolThread, entry: TaskEntry): void {
    try {
      thread.worker.postMessage([ToThread.Tasks, [entry]], streamTransfers([entry], 2));
    } catch (err) {
      const task = thread.running.get(entry[0]);
      if (!task) return;
      this.unschedule(thread, task);
      thread.running.delete(task.id);
      this.counters.failed++;
      this.fail(task, new ERR_REQUEST_NOT_CLONEABLE((err as Error).message));
    }
  }

  /** Removes a task from its thread's synchronous schedule; false if it was not on it. */
  private unschedule(thread: PoolThread, task: Task): boolean {
    const index = thread.inSync[0] === task ? 0 : thread.inSync.indexOf(task);
    if (index < 0) return false;
    thread.inSync.splice(index, 1);
    thread.syncCost = thread.inSync.length === 0 ? 0 : thread.syncCost - task.sync;
    return true;
  }

  /** Fills a thread's budget from the central queue, or starts its idle clock. */
  private feed(thread: PoolThread): void {
    for (let task = this.queue.peek(); task; task = this.queue.peek()) {
      if (!accepts(thread, task.sync, this.threads, this.options.cpus, this.options.concurrency)) break; // no overtaking within the chosen lane
      this.queue.take(task);
      this.send(thread, task);
    }
    const next = this.queue.peek();
    if (next && takesNext(thread, next.sync, this.threads, this.options.cpus)) {
      this.queue.take(next);
      this.send(thread, next);
    }
    if (thread.running.size === 0 && thread.state === 'ready') this.armIdleTimer(thread);
  }

  // ---- threads ---------------------------------------------------------------------------

  private spawn(): PoolThread {
    const syncBuffer = syncWatchBuffer();
    const worker = this.life.start({ ...this.options.threadData, syncBuffer });
    const thread: PoolThread = {
      worker,
      state: 'starting',
      tid: 0,
      running: new Map(),
      inSync: [],
      syncCost: 0,
      held: 0,
      idleTimer: null,
      idleSince: 0,
      overdue: 0,
      elu: null,
      heapUsed: 0,
      heapTotal: 0,
      completed: 0,
      syncBuffer,
      streaming: false,
    };
    this.threads.push(thread);
    this.counters.threadsStarted++;
    worker.on('message', (message: MessageToMaster) => this.onMessage(thread, message));
    worker.on('error', (err) => this.onThreadError(thread, err));
    worker.on('exit', (code) => this.onExit(thread, code));
    return thread;
  }

  private onMessage(thread: PoolThread, message: MessageToMaster): void {
    switch (message[0]) {
      case ToMaster.Progress:
        this.onProgress(thread, message[1]);
        this.feed(thread);
        return;
      case ToMaster.Ready:
        thread.state = 'ready';
        thread.tid = message[1];
        this.life.backoff.started();
        this.emit('thread-ready', thread.worker.threadId);
        this.feed(thread);
        return;
      case ToMaster.Heap:
        thread.heapUsed = message[1];
        thread.heapTotal = message[2];
        return;
      case ToMaster.Faulted:
        void this.recover(thread, `an exception nothing caught: ${message[1]}`, { interrupt: false });
        return;
      case ToMaster.Streaming:
        thread.streaming = message[1];
        if (!thread.streaming) this.feed(thread);
        return;
      case ToMaster.Fatal:
        this.options.log.error({ thread: thread.worker.threadId }, `a thread could not start: ${message[1]}`);
        this.emit('thread-fatal', message[1]);
        this.blockSpawning();
        void thread.worker.terminate();
        return;
    }
  }

  private onProgress(thread: PoolThread, entries: ProgressEntry[]): void {
    for (const [id, syncMs, result, asyncMs] of entries) {
      const task = thread.running.get(id);
      if (!task) continue;
      if (this.unschedule(thread, task)) this.costs.record(task.routeKey, syncMs);
      if (result === null) {
        // Still awaiting: its synchronous part is done; what it computes after its awaits stays promised.
        hold(thread, task, Math.max(0, this.costs.expectedAsync(task.routeKey)));
        continue;
      }
      if (asyncMs >= 0) this.costs.recordAsync(task.routeKey, asyncMs);
      release(thread, task);
      thread.running.delete(id);
      if (task.settled) {
        thread.overdue = Math.max(0, thread.overdue - 1);
        dropStream(result, new ERR_CLIENT_GONE()); // nobody reads it: its producer stops
        continue;
      }
      this.counters.completed++;
      thread.completed++;
      this.options.onTaskTimes?.(task.sentAt - task.queuedAt, performance.now() - task.sentAt);
      this.settle(task, () => task.resolve(result));
    }
  }

  private onThreadError(thread: PoolThread, err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : 'crashed';
    this.options.log.error({ err, thread: thread.worker.threadId, tasks: thread.running.size }, `thread ${thread.worker.threadId} ${why}; it will be replaced`);
    if (thread.state === 'starting') {
      this.emit('thread-fatal', `${why}: ${err.message}`);
      this.blockSpawning();
    }
  }

  private onExit(thread: PoolThread, code: number): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    const expected = thread.state === 'retiring' || this.closing;
    for (const task of thread.running.values()) {
      if (this.putBack(thread, task)) continue;
      if (!task.settled) this.counters.failed++;
      this.settle(task, () => task.reject(new ERR_THREAD_EXIT(`code ${code}`)));
    }
    thread.running.clear();
    if (this.closing) return;
    if (!expected) this.counters.threadsReplaced++;
    this.replenish();
  }

  /**
   * A next task (`takesNext`) still behind the one its dead thread was running never started:
   * it goes back to the head of the queue rather than fail with the thread.
   */
  private putBack(thread: PoolThread, task: Task): boolean {
    if (!task.next || task.settled || this.closing || thread.inSync.indexOf(task) < 1) return false;
    task.next = false;
    task.thread = null;
    this.queue.putBack(task);
    return true;
  }

  /** Keeps min-threads alive and makes sure queued work has a thread coming. */
  private replenish(): void {
    if (this.closing) return;
    const wait = this.life.backoff.waitMs(Date.now());
    if (wait > 0) {
      this.spawnRetry ??= setTimeout(() => {
        this.spawnRetry = null;
        this.replenish();
      }, wait);
      return;
    }
    while (this.liveCount() < this.options.minThreads) this.spawn();
    if (this.queue.size > this.startingCount() && this.liveCount() < this.options.maxThreads && this.wouldRunNow(this.queue.peek())) this.spawn();
    if (this.liveCount() === 0 && this.queue.size > 0) this.spawn();
  }

  private blockSpawning(): void {
    this.life.backoff.failed(Date.now());
    // No thread can serve the queue now: answer it rather than let every request time out.
    if (!this.threads.some((t) => t.state === 'ready')) {
      for (const task of this.queue.drain()) this.fail(task, new ERR_NO_THREAD());
    }
  }

  private armIdleTimer(thread: PoolThread): void {
    if (thread.idleTimer || this.liveCount() <= this.options.minThreads) return;
    thread.idleSince = Date.now();
    thread.idleTimer = setTimeout(() => {
      thread.idleTimer = null;
      this.retireIfIdle(thread);
    }, this.options.idleTimeout);
    thread.idleTimer.unref();
  }

  private retireIfIdle(thread: PoolThread): void {
    if (thread.running.size > 0 || thread.streaming || thread.state !== 'ready' || this.liveCount() <= this.options.minThreads) return;
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
    thread.state = 'retiring';
    void this.life.retire(thread.worker, () => this.post(thread, [ToThread.Retire]));
  }

  /**
   * The load is the accepting threads' (they are busy, running its routes inline): threads
   * idle for `idleForMs` retire now instead of at idle-timeout, so that the process does not
   * hold both kinds of threads for a load that needs one.
   */
  trimIdle(idleForMs: number): void {
    const now = Date.now();
    for (const thread of [...this.threads]) {
      if (thread.idleTimer !== null && now - thread.idleSince >= idleForMs) this.retireIfIdle(thread);
    }
  }

  // ---- timeouts and the watchdog ---------------------------------------------------------

  private onTimeout(task: Task, timeout: number): void {
    if (task.settled) return;
    this.counters.timedOut++;
    const thread = task.thread;
    if (!thread) this.queue.remove(task);
    const err = new ERR_TIMEOUT(timeout);
    this.settle(task, () => task.reject(err));
    if (!thread) return;
    this.abortOnThread(thread, task, err);
    if (thread.inSync[0] === task) {
      // The thread is still inside this handler's synchronous code: nothing else can run on
      // it until that returns, which may be never. Replace it.
      void this.recover(thread, `the handler of ${task.routeKey} ran synchronously past its ${timeout} ms timeout`, { interrupt: true });
      return;
    }
    // Its late result will be dropped. If it had started and was awaiting, it may be stuck in
    // synchronous code after an await: the watchdog looks. If it is still waiting behind a
    // longer handler on the same thread, that handler's own timeout covers the thread.
    thread.overdue++;
    if (!thread.inSync.includes(task)) this.startWatchdog();
  }

  private startWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => this.checkOverdueThreads(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  private checkOverdueThreads(): void {
    const { blocked, watching } = blockedAfterTimeout(this.threads);
    for (const thread of blocked) void this.recover(thread, 'its event loop has been blocked since a handler timed out', { interrupt: true });
    if (!watching && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = null;
    }
  }

  /**
   * A thread whose state is in doubt (stuck in a handler, or an exception nothing caught) takes
   * no more work and is replaced. A stuck one is interrupted first (threads/thread-life.ts):
   * the handlers it was awaiting for other requests then finish before it exits. Terminated
   * only if the interrupt fails.
   */
  private async recover(thread: PoolThread, why: string, { interrupt }: { interrupt: boolean }): Promise<void> {
    if (thread.state === 'retiring') return;
    this.options.log.warn({ thread: thread.worker.threadId, tasks: thread.running.size }, `replacing thread ${thread.worker.threadId}: ${why}`);
    thread.state = 'retiring';
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    this.counters.threadsReplaced++;
    this.replenish();
    if (interrupt) {
      if (!(await this.life.interruptOrTerminate(thread.worker, { safe: safeToInterrupt(thread.syncBuffer) }))) return;
      this.counters.interrupted++;
      this.post(thread, [ToThread.Interrupted]);
    }
    await this.life.retire(thread.worker, () => this.post(thread, [ToThread.Retire]));
  }

  private post(thread: PoolThread, message: MessageToThread): void {
    try {
      thread.worker.postMessage(message);
    } catch {
      // the thread is exiting
    }
  }

  // ---- settling --------------------------------------------------------------------------

  /** The client went away: a queued task never runs, a running one has its signal aborted. */
  private onCancel(task: Task): void {
    if (task.settled) return;
    this.counters.cancelled++;
    const thread = task.thread;
    if (!thread) this.queue.remove(task);
    const gone = new ERR_CLIENT_GONE();
    this.settle(task, () => task.reject(gone));
    if (thread) {
      thread.overdue++;
      this.abortOnThread(thread, task, gone);
    }
  }

  private abortOnThread(thread: PoolThread, task: Task, why: Error & { code: string }): void {
    this.post(thread, [ToThread.Abort, task.id, why.code, why.message]);
  }

  private fail(task: Task, err: Error): void {
    this.settle(task, () => task.reject(err));
  }

  private settle(task: Task, answer: () => void): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.timer);
    answer();
    if (this.closing) this.emit('task-settled'); // only close() waits on it
  }
}
