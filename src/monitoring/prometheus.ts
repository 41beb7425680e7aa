// prom-client's metric classes are loaded, not its package index: the index also loads cluster, pushgateway and OpenTelemetry, which cost the master RSS (bench/metrics-overhead.mjs).
import type * as PromClient from 'prom-client';
import type { Metrics } from './metrics';
import { PROMETHEUS_BOUNDS_S, type PrometheusBuckets } from './prometheus-buckets';

/** The text exposition format (0.0.4) as prom-client writes it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface PromClasses {
  Registry: typeof PromClient.Registry;
  Gauge: typeof PromClient.Gauge;
  Counter: typeof PromClient.Counter;
  Histogram: typeof PromClient.Histogram;
}

let classes: PromClasses | undefined;
/** Loaded on the first scrape: a master nobody scrapes does not carry them. */
function promClient(): PromClasses {
  classes ??= {
    Registry: require('prom-client/lib/registry') as PromClasses['Registry'],
    Gauge: require('prom-client/lib/gauge') as PromClasses['Gauge'],
    Counter: require('prom-client/lib/counter') as PromClasses['Counter'],
    Histogram: require('prom-client/lib/histogram') as PromClasses['Histogram'],
  };
  return classes;
}

type Labels = Record<string, string | number>;

/**
 * The Prometheus text: counters end in _total, units are seconds and bytes, every family has
 * HELP and TYPE. A registry of its own per scrape, filled from the snapshot: nothing is added to
 * prom-client's global registry (the app may use it), and families that do not apply (no pool,
 * no daemon) are left out.
 */
export async function renderPrometheus(metrics: Metrics): Promise<string> {
  const { Registry, Gauge, Counter, Histogram } = promClient();
  const s = metrics.snapshot();
  const registry = new Registry();
  const registers = [registry];

  const gauge = (name: string, help: string, samples: Array<[Labels, number]>, labelNames: string[] = []): void => {
    const g = new Gauge({ name, help, labelNames, registers });
    for (const [labels, value] of samples) g.set(labels, value);
  };
  const single = (name: string, help: string, value: number): void => gauge(name, help, [[{}, value]]);
  const counter = (name: string, help: string, samples: Array<[Labels, number]>, labelNames: string[] = []): void => {
    const c = new Counter({ name, help, labelNames, registers });
    for (const [labels, value] of samples) c.inc(labels, value);
  };

  /** A histogram whose buckets were counted on the request path (prometheus-buckets.ts). */
  class CountedHistogram extends Histogram {
    constructor(
      private readonly metricName: string,
      private readonly metricHelp: string,
      labelNames: string[],
      private readonly series: Array<[Labels, PrometheusBuckets]>,
    ) {
      super({ name: metricName, help: metricHelp, labelNames, buckets: [...PROMETHEUS_BOUNDS_S], registers });
    }

    override async get(): Promise<PromClient.MetricObjectWithValues<PromClient.MetricValueWithName<string>>> {
      const values: Array<PromClient.MetricValueWithName<string>> = [];
      for (const [labels, buckets] of this.series) {
        for (const [le, count] of buckets.cumulative())
          values.push({ metricName: `${this.metricName}_bucket`, labels: { ...labels, le: Number.isFinite(le) ? le : '+Inf' }, value: count });
        values.push(
          { metricName: `${this.metricName}_sum`, labels, value: buckets.sum },
          { metricName: `${this.metricName}_count`, labels, value: buckets.count },
        );
      }
      return {
        name: this.metricName,
        help: this.metricHelp,
        type: 'histogram' as unknown as PromClient.MetricType,
        aggregator: 'sum',
        collect: () => undefined,
        values,
      };
    }

    /** What the registry reads when it writes the text. */
    getForPromString(): ReturnType<CountedHistogram['get']> {
      return this.get();
    }
  }
  const histogram = (name: string, help: string, series: Array<[Labels, PrometheusBuckets]>, labelNames: string[] = []): void => {
    new CountedHistogram(name, help, labelNames, series);
  };

  single('gopool_up', 'Whether the master is ready to serve (1) or starting or draining (0).', s.ready ? 1 : 0);

  const routes = metrics.routeMetrics();
  const byStatus: Array<[Labels, number]> = [];
  for (const r of routes) {
    for (const cls of [1, 2, 3, 4, 5]) {
      if (r.statusClasses[cls]! > 0) byStatus.push([{ method: r.method, route: r.route, status: `${cls}xx` }, r.statusClasses[cls]!]);
    }
  }
  counter('gopool_http_requests_total', 'HTTP requests answered, by route and status class.', byStatus, ['method', 'route', 'status']);
  counter(
    'gopool_http_request_timeouts_total',
    'Requests whose client sent headers or body slower than headers-timeout / request-timeout: answered 408 and closed.',
    [[{}, s.requestTimeouts]],
  );
  histogram(
    'gopool_http_request_duration_seconds',
    'Time from request to response, by route.',
    routes.map((r) => [{ method: r.method, route: r.route }, r.buckets]),
    ['method', 'route'],
  );

  if (s.pool) {
    single('gopool_pool_threads', 'Worker threads alive.', s.pool.threads);
    single('gopool_pool_threads_min', 'The min-threads setting.', s.pool.minThreads);
    single('gopool_pool_threads_max', 'The max-threads setting.', s.pool.maxThreads);
    single('gopool_pool_busy_threads', 'Threads running at least one request.', s.pool.busyThreads);
    single('gopool_pool_queue_depth', 'Requests waiting in the central queue.', s.pool.queued);
    counter(
      'gopool_pool_tasks_total',
      'Requests handed to the pool, by outcome.',
      [
        [{ outcome: 'completed' }, s.pool.completed],
        [{ outcome: 'failed' }, s.pool.failed],
        [{ outcome: 'timed_out' }, s.pool.timedOut],
        [{ outcome: 'rejected' }, s.pool.rejected],
        [{ outcome: 'cancelled' }, s.pool.cancelled],
      ],
      ['outcome'],
    );
    counter('gopool_pool_threads_replaced_total', 'Threads that crashed, ran out of memory or got stuck, and were replaced.', [[{}, s.pool.threadsReplaced]]);
    counter('gopool_pool_handlers_interrupted_total', 'Handlers stuck in synchronous code on pool threads, stopped without ending the thread.', [
      [{}, s.pool.interrupted],
    ]);
    histogram('gopool_pool_task_wait_seconds', 'Time a request waited for a thread.', [[{}, metrics.poolWaitTotal]]);
    histogram('gopool_pool_task_run_seconds', 'Time from handing a request to a thread to its result.', [[{}, metrics.poolRunTotal]]);
    gauge(
      'gopool_thread_event_loop_utilization_ratio',
      'Share of the last second each thread was busy.',
      s.threads.map((t) => [{ thread: t.threadId }, t.utilization]),
      ['thread'],
    );
    gauge(
      'gopool_thread_heap_used_bytes',
      'V8 heap in use, per thread.',
      s.threads.map((t) => [{ thread: t.threadId }, t.heapUsedBytes]),
      ['thread'],
    );
  }
  if (s.ingress) {
    counter('gopool_ingress_threads_replaced_total', 'Ingress threads replaced after a handler got stuck or threw where nothing caught it.', [
      [{}, s.ingress.replaced],
    ]);
    counter('gopool_ingress_handlers_interrupted_total', 'Handlers stuck in synchronous code on ingress threads, stopped without ending the thread.', [
      [{}, s.ingress.interrupted],
    ]);
    counter('gopool_ingress_connections_rebalanced_total', 'Kept-alive connections asked to reconnect because their ingress thread held more than its share.', [
      [{}, s.ingress.rebalanced],
    ]);
  }

  single('gopool_master_event_loop_delay_p99_seconds', 'p99 event-loop delay of the master over the last second.', s.master.eventLoopDelayP99Ms / 1000);
  single('gopool_master_event_loop_utilization_ratio', 'Share of the last second the master was busy.', s.master.eventLoopUtilization);
  single('gopool_master_resident_memory_bytes', 'Resident memory of the master process (threads included).', s.master.rssBytes);
  single('gopool_master_heap_used_bytes', 'V8 heap in use on the master thread.', s.master.heapUsedBytes);

  if (s.daemon) {
    counter('gopool_daemon_restarts_total', 'Times the daemon restarted a master that died.', [[{}, s.daemon.restarts]]);
    single('gopool_daemon_uptime_seconds', 'Seconds since the daemon started.', s.daemon.uptimeMs / 1000);
  }
  return registry.metrics();
}
