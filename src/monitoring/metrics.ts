import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { PoolStats, ThreadPool, ThreadSnapshot } from '../dispatch/pool/thread-pool';
import { RequestTimeoutCount } from './client-timeouts';
import { EventLoopDelay } from './event-loop-delay';
import { PrometheusBuckets } from './prometheus-buckets';
import type { TallyEntry } from './request-tally';
import { RouteMetrics, type RouteSnapshot } from './route-metrics';
import { type Percentiles, WindowHistogram } from './window-histogram';

/** What the daemon tells its master about itself, for the master's metrics. */
export interface DaemonInfo {
  pid: number;
  startedAt: number;
  restarts: number;
}

export interface MetricsSnapshot {
  /** Server time of the snapshot (ms since the epoch). */
  time: number;
  name: string;
  mode: string;
  pid: number;
  url: string;
  uptimeMs: number;
  ready: boolean;
  master: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; eventLoopDelayP99Ms: number; eventLoopUtilization: number };
  pool: (PoolStats & { minThreads: number; maxThreads: number; waitMs: Percentiles; runMs: Percentiles }) | null;
  threads: Array<ThreadSnapshot & { utilization: number }>;
  total: { rps: number; latencyMs: Percentiles };
  routes: RouteSnapshot[];
  daemon: (DaemonInfo & { uptimeMs: number }) | null;
  /** Requests dropped (408) because the client sent them slower than headersTimeout / requestTimeout. */
  requestTimeouts: number;
  /** Ingress threads, when they are on. */
  ingress: IngressCounters | null;
}

/** What happened to the ingress threads: started, retired, and replaced after a stuck or crashing handler. */
export interface IngressCounters {
  started: number;
  retired: number;
  /** Replaced after a handler got stuck (interrupted) or threw where nothing caught it. */
  replaced: number;
  /** Handlers stuck in synchronous code that were stopped without ending their thread. */
  interrupted: number;
  /** Threads that had to be terminated (no interrupt possible, or silent after it). */
  crashed: number;
  /** Kept-alive connections asked to reconnect because their thread held more than its share (ingress/connection-balance.ts). */
  rebalanced: number;
}

/** Threads besides the pool's that monitoring shows (ingress threads). */
export interface ThreadSource {
  threadSnapshots(): Array<ThreadSnapshot & { worker: Worker }>;
  readonly counters: IngressCounters;
}

/** One point per second, for the dashboard's charts. */
export interface HistoryPoint {
  t: number;
  rps: number;
  p50: number;
  p99: number;
  threads: number;
  busy: number;
  queued: number;
}

const HISTORY_POINTS = 600; // ten minutes

/**
 * A thread's event-loop utilization as a share of 0 to 1. Node reads another thread's loop
 * times without that thread's help, and the suite once saw a thread's utilization outside 0–1
 * (Node 24); one outside it, or not a number (a loop not started yet), is clamped.
 */
export function utilizationShare(utilization: number): number {
  return Number.isFinite(utilization) ? Math.min(1, Math.max(0, utilization)) : 0;
}

/**
 * Everything monitoring knows, collected in the master. Requests are recorded on the
 * request path (a few counters and a histogram record); the rest is sampled once a second.
 */
export class Metrics {
  /** route pattern → method → metrics: two lookups on strings fastify keeps, no key to build. */
  private readonly routes = new Map<string, Map<string, RouteMetrics>>();
  readonly poolWait = new WindowHistogram();
  readonly poolRun = new WindowHistogram();
  readonly poolWaitTotal = new PrometheusBuckets();
  readonly poolRunTotal = new PrometheusBuckets();
  private pool: ThreadPool | undefined;
  private ingress: ThreadSource | undefined;
  private daemon: DaemonInfo | null = null;
  private readonly eventLoopDelay = new EventLoopDelay();
  private eventLoopDelayP99 = 0;
  private masterElu: EventLoopUtilization = performance.eventLoopUtilization();
  private masterUtilization = 0;
  private readonly threadElu = new Map<number, EventLoopUtilization>();
  private readonly threadUtilization = new Map<number, number>();
  private readonly history: HistoryPoint[] = [];
  private ticker: NodeJS.Timeout | null = null;
  private url = '';
  private readonly startedAt = Date.now();
  private readonly requestTimeouts = new RequestTimeoutCount();
  /** Set by the server: false while starting and once draining. */
  ready: () => boolean = () => false;

  constructor(
    private readonly name: string,
    private readonly mode: string,
  ) {}

  start(pool: ThreadPool | undefined, url: string, ingress?: ThreadSource): void {
    this.pool = pool;
    this.ingress = ingress;
    this.url = url;
    this.eventLoopDelay.enable();
    this.requestTimeouts.start();
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.eventLoopDelay.disable();
    this.requestTimeouts.stop();
  }

  setDaemon(info: DaemonInfo): void {
    this.daemon = info;
  }

  /** The request path: called once per answered request. */
  recordRequest(method: string, route: string, status: number, ms: number): void {
    this.routeFor(method, route).record(status, ms, Date.now());
  }

  /** Requests answered by ingress threads, aggregated there. */
  recordTally(rows: TallyEntry[]): void {
    const now = Date.now();
    for (const row of rows) this.routeFor(row[0], row[1]).recordTally(row, now);
  }

  private routeFor(method: string, route: string): RouteMetrics {
    let byMethod = this.routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.routes.set(route, byMethod);
    }
    let metrics = byMethod.get(method);
    if (metrics === undefined) {
      metrics = new RouteMetrics(method, route);
      byMethod.set(method, metrics);
    }
    return metrics;
  }

  recordTask(waitMs: number, runMs: number): void {
    const now = Date.now();
    this.poolWait.record(waitMs, now);
    this.poolRun.record(runMs, now);
    this.poolWaitTotal.record(waitMs);
    this.poolRunTotal.record(runMs);
  }

  routeMetrics(): RouteMetrics[] {
    const out: RouteMetrics[] = [];
    for (const byMethod of this.routes.values()) out.push(...byMethod.values());
    return out;
  }

  /** All routes together, merged when asked rather than recorded twice per request. */
  private totals(now: number): { rps: number; latencyMs: Percentiles } {
    const routes = this.routeMetrics();
    let rps = 0;
    for (const route of routes) rps += route.rate(now);
    return {
      rps,
      latencyMs: WindowHistogram.percentilesOf(
        routes.map((route) => route.window),
        now,
      ),
    };
  }

  snapshot(): MetricsSnapshot {
    const now = Date.now();
    const memory = process.memoryUsage();
    const total = this.totals(now);
    return {
      time: now,
      name: this.name,
      mode: this.mode,
      pid: process.pid,
      url: this.url,
      uptimeMs: now - this.startedAt,
      ready: this.ready(),
      master: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        eventLoopDelayP99Ms: this.eventLoopDelayP99,
        eventLoopUtilization: this.masterUtilization,
      },
      pool: this.pool ? { ...this.pool.stats(), ...this.pool.limits, waitMs: this.poolWait.percentiles(now), runMs: this.poolRun.percentiles(now) } : null,
      threads: this.allThreads().map(({ worker: _worker, ...thread }) => ({ ...thread, utilization: this.threadUtilization.get(thread.threadId) ?? 0 })),
      total: { rps: total.rps, latencyMs: total.latencyMs },
      routes: this.routeMetrics()
        .map((route) => route.snapshot(now))
        .sort((a, b) => b.count - a.count),
      daemon: this.daemon ? { ...this.daemon, uptimeMs: now - this.daemon.startedAt } : null,
      requestTimeouts: this.requestTimeouts.count,
      ingress: this.ingress ? { ...this.ingress.counters } : null,
    };
  }

  private allThreads(): Array<ThreadSnapshot & { worker: Worker }> {
    const pool = this.pool?.threadSnapshots() ?? [];
    return this.ingress ? [...this.ingress.threadSnapshots(), ...pool] : pool;
  }

  historyPoints(): HistoryPoint[] {
    return this.history;
  }

  /** Once a second: event-loop figures and a history point. */
  private tick(): void {
    this.eventLoopDelayP99 = this.eventLoopDelay.takeP99Ms();
    const elu = performance.eventLoopUtilization();
    this.masterUtilization = performance.eventLoopUtilization(elu, this.masterElu).utilization;
    this.masterElu = elu;
    const seen = new Set<number>();
    for (const thread of this.allThreads()) {
      seen.add(thread.threadId);
      const current = thread.worker.performance.eventLoopUtilization();
      const previous = this.threadElu.get(thread.threadId);
      if (previous)
        this.threadUtilization.set(thread.threadId, utilizationShare(thread.worker.performance.eventLoopUtilization(current, previous).utilization));
      this.threadElu.set(thread.threadId, current);
    }
    for (const id of this.threadElu.keys()) {
      if (!seen.has(id)) {
        this.threadElu.delete(id);
        this.threadUtilization.delete(id);
      }
    }
    const now = Date.now();
    const total = this.totals(now);
    const stats = this.pool?.stats();
    this.history.push({
      t: now,
      rps: total.rps,
      p50: total.latencyMs.p50,
      p99: total.latencyMs.p99,
      threads: stats?.threads ?? 0,
      busy: stats?.busyThreads ?? 0,
      queued: stats?.queued ?? 0,
    });
    if (this.history.length > HISTORY_POINTS) this.history.shift();
  }
}
