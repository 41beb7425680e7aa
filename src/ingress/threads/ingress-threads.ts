/**
 * The master's side of the ingress threads, the only threads that accept connections of the
 * public port: keeps at least `min` of them (one at least), starts more when they are busy,
 * retires them when the load would fit on fewer, answers what they hand over, replaces one
 * that crashed or got stuck, and terminates one that stops responding.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { ThreadSnapshot } from '../../dispatch/pool/thread-pool';
import { streamTransfers } from '../../dispatch/stream-port';
import { overdueSyncRun, safeToInterrupt, syncWatchBuffer } from '../../dispatch/sync-watch';
import type { Cancellation, Dispatcher, TaskResult } from '../../dispatch/task';
import { packThrown } from '../../dispatch/thrown-error';
import { TurnBatches } from '../../dispatch/turn-batches';
import { ERR_THREADS_FAILED } from '../../errors';
import type { TallyEntry } from '../../monitoring/request-tally';
import type { Logger } from '../../runtime/logger';
import type { TcpHandle } from '../../supervision/listen-socket';
import { ThreadLife } from '../../threads/thread-life';
import { type AcceptingThreadLoad, connectionCountBuffer, connectionsToShed, keptConnections, SHED_AT_MOST_EVERY_MS } from '../connection-balance';
import {
  type DispatchEntry,
  FromIngress,
  type IngressData,
  type InjectRequest,
  type InjectResponse,
  type MessageFromIngress,
  type MessageToIngress,
  type ResultEntry,
  ToIngress,
} from './protocol';

export interface IngressThreadsOptions {
  /** Compiled ingress-main.js. */
  threadFile: string;
  data: Omit<IngressData, 'fd' | 'pinned' | 'costs' | 'syncBuffer' | 'connectionsBuffer'>;
  /** Ingress threads at most. */
  max: number;
  /** Ingress threads started at once and kept when idle. */
  min: number;
  /** How long the load must fit on fewer acceptors before one thread retires (ms). */
  idleTimeout: number;
  /** A thread that sends nothing for this long (ms) is blocked in synchronous code. */
  stuckAfter: number;
  gracePeriod: number;
  maxThreadMemory: number;
  /** Young-generation size per thread in MB; 0 leaves V8's default. */
  youngGenerationMb: number;
  /** A new descriptor of the listening socket, from the daemon. */
  requestDescriptor: () => Promise<TcpHandle>;
  /** Where handed-over routes run, by the target the thread's placement chose. */
  targets: { pool: Dispatcher | undefined; master: Dispatcher };
  /** What a route costs a pool thread per request (ms), if measured. */
  costOf: (routeKey: string) => { sync: number; async: number } | undefined;
  /** Whether the pool has a thread ready now (told to the threads when it changes). */
  poolReady: () => boolean;
  inject: (request: InjectRequest) => Promise<InjectResponse>;
  onRequests: ((rows: TallyEntry[]) => void) | undefined;
  /** The CPUs the process really has (config/cpu-count.ts): their saturation stops scaling up. */
  detectedCpus: number;
  /**
   * Told on every check (TICK_MS) that finds the accepting threads busy: the load is theirs,
   * and the pool trims the threads it no longer uses.
   */
  onBusy?: (() => void) | undefined;
  log: Logger;
}

type State = 'starting' | 'listening' | 'draining';

interface IngressThread {
  worker: Worker;
  /** Its id in the operating system, once it said (monitoring). */
  tid: number;
  state: State;
  /** The master's copy of the descriptor: closed here only if the thread never listened on it. */
  handle: TcpHandle;
  listened: boolean;
  inFlight: number;
  /** Dispatched requests whose client may still go away. */
  cancels: Map<number, Cancellation>;
  heapUsed: number;
  heapTotal: number;
  lastHeard: number;
  /** Requests it answered, as counted by its metrics. */
  requests: number;
  elu: EventLoopUtilization;
  /** When its load starts to count towards starting another thread (SETTLING_MS after it listens). */
  settledAt: number;
  drained: (() => void) | null;
  /** Where it says which handler it runs synchronously (dispatch/sync-watch.ts). */
  syncBuffer: SharedArrayBuffer;
  /** Where it says how many connections it keeps (connection-balance.ts). */
  connectionsBuffer: SharedArrayBuffer;
  /** When it was last asked to let connections go for the balance. */
  shedAt: number;
  /** Since when its event loop has been busy without a break (0: it is not). */
  busySince: number;
  /** Interrupted or faulted: draining towards its replacement. */
  replacing: boolean;
}

/** Average event-loop utilization of the accepting threads above which one more starts. */
const SCALE_UP_AT = 0.5;
/** Share of the CPUs the process uses above which no accepting thread is added. */
const SATURATED = 0.9;
/** One thread retires when the load would keep one fewer below this average. */
const SCALE_DOWN_BELOW = 0.35;
/**
 * How often the load is measured. Short, so that threads come quickly when load arrives: until
 * the first listens, the master serves every request and sends each handler to the pool, and
 * a burst piles up in the master's heap and behind a pool thread meanwhile (measured with a
 * burst of cheap requests on a cold start: a second's tick let several times more pile up).
 * Retiring still takes `idleTimeout` of continuous quiet.
 */
const TICK_MS = 250;
/**
 * How long after a thread listens its event loop does not count as load: the tail of its
 * start-up (a first collection of the app's set-up garbage, code loaded on first use) runs
 * then, for tens of ms, stretched several times on a machine whose cores are busy, which
 * started a second thread with no request at all (test/ingress.test.ts, in a suite run).
 */
const SETTLING_MS = 500;
/** Event-loop utilization of a tick window at which the loop counts as blocked throughout it. */
const BLOCKED_UTILIZATION = 0.99;
/** How long past `stuckAfter` a silent thread may stay so before it is terminated after all. */
const UNSTUCK_WITHIN_MS = 5000;

export class IngressThreads {
  private readonly threads: IngressThread[] = [];
  private ticker: NodeJS.Timeout | null = null;
  private cpuThen = process.cpuUsage();
  private cpuThenAt = Date.now();
  private quietSince = 0;
  private spawning = false;
  private closing = false;
  /** What the threads were last told of the pool (a new thread is told when it listens). */
  private poolReady = false;
  private readonly results = new TurnBatches<IngressThread, ResultEntry>((thread, batch) =>
    this.post(thread, [ToIngress.Results, batch], streamTransfers(batch, 1)),
  );
  /** Routes whose handlers got stuck or crashed a thread: never inline again, on any thread. */
  private readonly pinned = new Set<string>();
  /** rebalanced: connections asked to move to another thread for the balance (connection-balance.ts). */
  readonly counters = { started: 0, crashed: 0, retired: 0, replaced: 0, interrupted: 0, rebalanced: 0 };
  private readonly life: ThreadLife;

  constructor(private readonly options: IngressThreadsOptions) {
    this.life = new ThreadLife({
      file: options.threadFile,
      maxThreadMemory: options.maxThreadMemory,
      youngGenerationMb: options.youngGenerationMb,
      log: options.log,
      name: 'ingress thread',
    });
  }

  /**
   * Starts the minimum, then follows the load. Rejects if the first thread cannot listen (the
   * app's set-up failed in it): nothing would accept the connections.
   */
  async start(): Promise<void> {
    for (let i = 0; i < Math.min(this.options.min, this.options.max); i++) {
      const failure = await this.spawn();
      if (failure !== undefined && this.listening === 0) throw new ERR_THREADS_FAILED(failure);
    }
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  get listening(): number {
    return this.threads.filter((t) => t.state === 'listening').length;
  }

  threadSnapshots(): Array<ThreadSnapshot & { worker: Worker }> {
    return this.threads.map((t) => ({
      threadId: t.worker.threadId,
      tid: t.tid,
      role: 'ingress' as const,
      state: t.state === 'listening' ? ('ready' as const) : t.state === 'starting' ? ('starting' as const) : ('retiring' as const),
      running: t.inFlight,
      requests: t.requests,
      heapUsedBytes: t.heapUsed,
      heapTotalBytes: t.heapTotal,
      connections: keptConnections(t.connectionsBuffer),
      worker: t.worker,
    }));
  }

  /** Every thread stops accepting and finishes its requests within `graceMs`, then exits. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.ticker) clearInterval(this.ticker);
    await Promise.all(this.threads.map((thread) => this.drain(thread, graceMs)));
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  // ---- scaling ---------------------------------------------------------------------------

  /**
   * The load is measured on the ingress threads: one more starts when they average over
   * SCALE_UP_AT; the newest retires when the load would keep one fewer under SCALE_DOWN_BELOW
   * for `idleTimeout`, never below `min`.
   */
  private tick(): void {
    const now = Date.now();
    const poolReady = this.options.poolReady();
    if (poolReady !== this.poolReady) {
      this.poolReady = poolReady;
      for (const thread of this.threads) if (thread.state === 'listening') this.post(thread, [ToIngress.PoolReady, poolReady]);
    }
    const cpuNow = process.cpuUsage();
    const cpuBusy =
      (cpuNow.user + cpuNow.system - this.cpuThen.user - this.cpuThen.system) / 1000 / Math.max(1, now - this.cpuThenAt) / this.options.detectedCpus;
    this.cpuThen = cpuNow;
    this.cpuThenAt = now;
    let sum = 0;
    let acceptors = 0;
    const loads: Array<AcceptingThreadLoad & { thread: IngressThread }> = [];
    for (const thread of [...this.threads]) {
      if (thread.state !== 'listening') continue;
      if (now - thread.lastHeard > this.options.stuckAfter + UNSTUCK_WITHIN_MS) {
        // Silent although unstick() had its chance: only terminating is left.
        this.options.log.warn(
          { thread: thread.worker.threadId },
          `terminating ingress thread ${thread.worker.threadId}: it has not responded for ${now - thread.lastHeard} ms`,
        );
        this.counters.crashed++;
        void thread.worker.terminate();
        continue;
      }
      const elu = thread.worker.performance.eventLoopUtilization();
      const utilization = thread.worker.performance.eventLoopUtilization(elu, thread.elu).utilization;
      thread.elu = elu;
      if (this.unstick(thread, utilization, now)) continue;
      loads.push({ thread, connections: keptConnections(thread.connectionsBuffer), utilization });
      if (now < thread.settledAt) continue;
      sum += utilization;
      acceptors++;
    }
    this.balance(loads, now);
    const live = this.threads.filter((t) => t.state !== 'draining').length;
    if (live < Math.min(this.options.min, this.options.max) && this.canGrow(now)) {
      void this.spawn(); // replaces a crashed or stuck one
      return;
    }
    if (acceptors > 0 && sum / acceptors > SCALE_UP_AT) {
      this.quietSince = 0;
      this.options.onBusy?.();
      // With every CPU busy (CPU-heavy handlers on the pool) the accepting threads look busy
      // because they wait for a core, not because they are too few: another would only share
      // the same cores, and cost its memory.
      if (this.canGrow(now) && cpuBusy < SATURATED) void this.spawn();
      return;
    }
    const fitsOnFewer = live > this.options.min && acceptors > 1 && sum < SCALE_DOWN_BELOW * (acceptors - 1);
    if (!fitsOnFewer) {
      this.quietSince = 0;
      return;
    }
    if (this.quietSince === 0) this.quietSince = now;
    if (now - this.quietSince >= this.options.idleTimeout) {
      this.quietSince = now; // one at a time, each after a full quiet period
      const newest = [...this.threads].reverse().find((t) => t.state === 'listening');
      if (newest) {
        this.counters.retired++;
        void this.life.retire(newest.worker, () => this.drain(newest, this.options.gracePeriod));
      }
    }
  }

  /** A thread holding more than its share of the connections lets the excess go, at most once per SHED_AT_MOST_EVERY_MS. */
  private balance(loads: Array<AcceptingThreadLoad & { thread: IngressThread }>, now: number): void {
    const excess = connectionsToShed(loads);
    excess.forEach((count, i) => {
      const { thread } = loads[i]!;
      if (count === 0 || now - thread.shedAt < SHED_AT_MOST_EVERY_MS) return;
      thread.shedAt = now;
      this.counters.rebalanced += count;
      this.post(thread, [ToIngress.Shed, count]);
    });
  }

  /**
   * A handler stuck in synchronous code past its timeout (the thread's SyncWatch says which),
   * or an event loop busy without a break for `stuckAfter` (stuck after an await): the running
   * JavaScript is interrupted, the thread answers the request it cut short, and drains towards
   * its replacement; its other connections are served meanwhile. True if it is being replaced.
   */
  private unstick(thread: IngressThread, utilization: number, now: number): boolean {
    const overdue = overdueSyncRun(thread.syncBuffer, now);
    thread.busySince = utilization >= BLOCKED_UTILIZATION ? thread.busySince || now - TICK_MS : 0;
    if (overdue) {
      const routeKey = this.options.data.routeKeys[overdue.routeIndex];
      void this.replace(thread, routeKey, `the handler of ${routeKey} has run synchronously for ${overdue.ranMs} ms, past its timeout`, { interrupt: true });
      return true;
    }
    if (thread.busySince !== 0 && now - thread.busySince > this.options.stuckAfter) {
      void this.replace(thread, undefined, `its event loop has been blocked for ${now - thread.busySince} ms`, { interrupt: true });
      return true;
    }
    return false;
  }

  /** Interrupts (when asked) and drains a thread whose state is in doubt, and starts another. */
  private async replace(thread: IngressThread, routeKey: string | undefined, why: string, { interrupt }: { interrupt: boolean }): Promise<void> {
    if (thread.replacing || thread.state !== 'listening') return;
    thread.replacing = true;
    this.counters.replaced++;
    if (routeKey) this.pin(routeKey);
    this.options.log.warn({ thread: thread.worker.threadId, route: routeKey }, `replacing ingress thread ${thread.worker.threadId}: ${why}`);
    if (interrupt) {
      if (!(await this.life.interruptOrTerminate(thread.worker, { safe: safeToInterrupt(thread.syncBuffer) }))) {
        this.counters.crashed++;
        return;
      }
      this.counters.interrupted++;
      this.post(thread, [ToIngress.Interrupted]);
    }
    const drained = this.drain(thread, this.options.gracePeriod);
    if (this.canGrow(Date.now())) void this.spawn();
    await this.life.retire(thread.worker, () => drained);
  }

  private pin(routeKey: string): void {
    if (this.pinned.has(routeKey)) return;
    this.pinned.add(routeKey);
    for (const other of this.threads) if (other.state !== 'draining') this.post(other, [ToIngress.Pin, routeKey]);
  }

  private canGrow(now: number): boolean {
    const live = this.threads.filter((t) => t.state !== 'draining').length;
    return !this.closing && !this.spawning && live < this.options.max && this.life.backoff.waitMs(now) === 0;
  }

  /** The costs of the routes measured so far, both parts (IngressData.costs). */
  private knownCosts(): IngressData['costs'] {
    const known: IngressData['costs'] = [];
    for (const routeKey of this.options.data.routeKeys) {
      const cost = this.options.costOf(routeKey);
      if (cost !== undefined && cost.async >= 0) known.push([routeKey, cost.sync, cost.async]);
    }
    return known;
  }

  /** Starts one thread; resolves once it listens (undefined) or failed to (why). */
  private async spawn(): Promise<string | undefined> {
    this.spawning = true;
    let handle: TcpHandle;
    try {
      handle = await this.options.requestDescriptor();
    } catch (err) {
      this.spawning = false;
      const why = `no descriptor of the listening socket: ${(err as Error).message}`;
      this.blockSpawning(why);
      return why;
    }
    if (this.closing) {
      handle.close();
      this.spawning = false;
      return 'the server is stopping';
    }
    const syncBuffer = syncWatchBuffer();
    const connectionsBuffer = connectionCountBuffer();
    const data: IngressData = { ...this.options.data, fd: handle.fd, pinned: [...this.pinned], costs: this.knownCosts(), syncBuffer, connectionsBuffer };
    const worker = this.life.start(data);
    const thread: IngressThread = {
      worker,
      tid: 0,
      state: 'starting',
      handle,
      listened: false,
      inFlight: 0,
      cancels: new Map(),
      heapUsed: 0,
      heapTotal: 0,
      lastHeard: Date.now(),
      requests: 0,
      elu: worker.performance.eventLoopUtilization(),
      settledAt: Number.POSITIVE_INFINITY,
      drained: null,
      syncBuffer,
      connectionsBuffer,
      shedAt: 0,
      busySince: 0,
      replacing: false,
    };
    this.threads.push(thread);
    this.counters.started++;
    worker.on('message', (message: MessageFromIngress) => this.onMessage(thread, message));
    worker.on('error', (err) => {
      this.counters.crashed++;
      this.options.log.error({ err, thread: worker.threadId }, `ingress thread ${worker.threadId} crashed; its connections were reset`);
    });
    worker.on('exit', () => this.onExit(thread));
    return new Promise<string | undefined>((resolve) => {
      let error: string | undefined;
      const done = (failure: string | undefined): void => {
        this.spawning = false;
        resolve(failure);
      };
      worker.once('error', (err) => {
        error = err.message;
      });
      worker.once('exit', (code) => done(error ?? `it exited (code ${code})`));
      worker.on('message', (message: MessageFromIngress) => {
        if (message[0] === FromIngress.Listening) done(undefined);
        else if (message[0] === FromIngress.Fatal) done(message[1]);
      });
    });
  }

  private blockSpawning(why: string): void {
    const waiting = this.listening === 0 ? '; new connections wait in the listening socket meanwhile' : '';
    this.options.log.error(`an ingress thread could not start: ${why}${waiting}`);
    this.life.backoff.failed(Date.now());
  }

  private onExit(thread: IngressThread): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    // Never listened: the descriptor is still only the master's. Once a thread listened on
    // it, the thread's exit closed it, and closing it here could close a reused number.
    if (!thread.listened) thread.handle.close();
    thread.drained?.();
    // One always accepts: a thread that crashed is replaced at once (with back-off if it cannot start).
    if (!this.closing && this.live() < this.options.min) this.replenishSoon();
  }

  private live(): number {
    return this.threads.filter((t) => t.state !== 'draining').length;
  }

  private replenishSoon(): void {
    const wait = this.life.backoff.waitMs(Date.now());
    setTimeout(() => {
      if (!this.closing && this.live() < this.options.min && this.canGrow(Date.now())) void this.spawn();
    }, wait).unref();
  }

  private drain(thread: IngressThread, graceMs: number): Promise<void> {
    if (thread.state === 'draining' && thread.drained) return Promise.resolve();
    thread.state = 'draining';
    return new Promise((resolve) => {
      const timer = setTimeout(finish, graceMs + 1000);
      function finish(): void {
        clearTimeout(timer);
        thread.drained = null;
        resolve();
      }
      thread.drained = finish;
      this.post(thread, [ToIngress.Drain, graceMs]);
    });
  }

  // ---- messages --------------------------------------------------------------------------

  private post(thread: IngressThread, message: MessageToIngress, transfer?: MessagePort[]): void {
    try {
      thread.worker.postMessage(message, transfer);
    } catch (err) {
      this.options.log.error({ err }, 'message to an ingress thread failed');
    }
  }

  private onMessage(thread: IngressThread, message: MessageFromIngress): void {
    thread.lastHeard = Date.now();
    switch (message[0]) {
      case FromIngress.Dispatch:
        for (const entry of message[1]) this.dispatch(thread, entry);
        return;
      case FromIngress.Inject:
        this.inject(thread, message[1], message[2]);
        return;
      case FromIngress.Requests:
        for (const row of message[1]) thread.requests += row[4];
        this.options.onRequests?.(message[1]);
        return;
      case FromIngress.Heap:
        thread.heapUsed = message[1];
        thread.heapTotal = message[2];
        return;
      case FromIngress.Listening:
        thread.listened = true;
        thread.tid = message[1];
        if (thread.state === 'starting') thread.state = 'listening';
        // Its event loop is watched from now (loading the app kept it busy, which is neither
        // traffic nor a stuck handler); it counts as load from settledAt.
        thread.elu = thread.worker.performance.eventLoopUtilization();
        thread.settledAt = Date.now() + SETTLING_MS;
        this.life.backoff.started();
        if (this.poolReady) this.post(thread, [ToIngress.PoolReady, true]);
        // Share the kept-alive connections with the newcomer.
        for (const other of this.threads) if (other !== thread && other.state === 'listening') this.post(other, [ToIngress.Shed, -1]);
        return;
      case FromIngress.Fatal:
        this.blockSpawning(message[1]);
        void thread.worker.terminate();
        return;
      case FromIngress.Drained:
        thread.drained?.();
        return;
      case FromIngress.Cancel:
        thread.cancels.get(message[1])?.onCancel?.();
        return;
      case FromIngress.Faulted:
        void this.replace(thread, message[1] || undefined, `an exception nothing caught: ${message[2]}`, { interrupt: false });
        return;
    }
  }

  private dispatch(thread: IngressThread, [id, routeKey, request, timeout, target]: DispatchEntry): void {
    thread.inFlight++;
    const cancel: Cancellation = { onCancel: undefined, watch: () => undefined };
    thread.cancels.set(id, cancel);
    // The thread's placement chose the target; a pool target exists whenever a route can go there.
    const dispatcher = target === 'pool' ? this.options.targets.pool! : this.options.targets.master;
    dispatcher.run(routeKey, request, timeout, cancel).then(
      (result) => this.answer(thread, id, routeKey, result, null),
      (err: unknown) => this.answer(thread, id, routeKey, null, err),
    );
  }

  /** Queues the answer to a Dispatch entry, with the route's current cost for the thread to learn. */
  private answer(thread: IngressThread, id: number, routeKey: string, result: TaskResult | null, err: unknown): void {
    thread.inFlight--;
    thread.cancels.delete(id);
    const cost = this.options.costOf(routeKey);
    const syncMs = cost?.sync ?? -1;
    const asyncMs = cost?.async ?? -1;
    if (result !== null) {
      // A runOn "master" handler ran inline here: what it threw is still an object of this thread.
      if (result.error instanceof Error) result.error = packThrown(result.error);
      this.results.add(thread, [id, result, '', '', syncMs, asyncMs]);
      return;
    }
    const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : 'GOPOOL_ERR';
    this.results.add(thread, [id, null, code, err instanceof Error ? err.message : String(err), syncMs, asyncMs]);
  }

  private inject(thread: IngressThread, id: number, request: InjectRequest): void {
    this.options.inject(request).then(
      (response) => this.post(thread, [ToIngress.Injected, id, response]),
      (err: unknown) => {
        this.options.log.error({ err }, 'a request forwarded by an ingress thread failed');
        const body = new TextEncoder().encode(JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }));
        this.post(thread, [ToIngress.Injected, id, { status: 500, headers: { 'content-type': 'application/json; charset=utf-8' }, body }]);
      },
    );
  }
}
