import { PROMETHEUS_BUCKETS_S, type CumulativeHistogram } from './window-histogram';
import type { Metrics } from './metrics';

/**
 * The Prometheus text exposition format (version 0.0.4): counters end in _total, units are
 * seconds and bytes, every family has HELP and TYPE.
 */
export function renderPrometheus(metrics: Metrics): string {
  const s = metrics.snapshot();
  const out: string[] = [];
  const family = (name: string, type: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Record<string, string | number>, value: number): void => {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escape(String(v))}"`).join(',');
    out.push(`${name}${pairs ? `{${pairs}}` : ''} ${formatNumber(value)}`);
  };
  /** A family with one unlabelled sample. */
  const single = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
    family(name, type, help);
    sample(name, {}, value);
  };
  const histogram = (name: string, labels: Record<string, string | number>, h: CumulativeHistogram): void => {
    let cumulative = 0;
    PROMETHEUS_BUCKETS_S.forEach((le, i) => {
      cumulative += h.counts[i]!;
      sample(`${name}_bucket`, { ...labels, le }, cumulative);
    });
    sample(`${name}_bucket`, { ...labels, le: '+Inf' }, h.count);
    sample(`${name}_sum`, labels, h.sum);
    sample(`${name}_count`, labels, h.count);
  };

  single('gopool_up', 'gauge', 'Whether the master is ready to serve (1) or starting or draining (0).', s.ready ? 1 : 0);

  const routes = metrics.routeMetrics();
  family('gopool_http_requests_total', 'counter', 'HTTP requests answered, by route and status class.');
  for (const r of routes) {
    for (const cls of [1, 2, 3, 4, 5]) {
      if (r.statusClasses[cls]! > 0) sample('gopool_http_requests_total', { method: r.method, route: r.route, status: `${cls}xx` }, r.statusClasses[cls]!);
    }
  }
  single('gopool_http_request_timeouts_total', 'counter', 'Requests whose client sent headers or body slower than headers-timeout / request-timeout: answered 408 and closed.', s.requestTimeouts);
  family('gopool_http_request_duration_seconds', 'histogram', 'Time from request to response, by route.');
  for (const r of routes) histogram('gopool_http_request_duration_seconds', { method: r.method, route: r.route }, r.cumulative);

  if (s.pool) {
    single('gopool_pool_threads', 'gauge', 'Worker threads alive.', s.pool.threads);
    single('gopool_pool_threads_min', 'gauge', 'The min-threads setting.', s.pool.minThreads);
    single('gopool_pool_threads_max', 'gauge', 'The max-threads setting.', s.pool.maxThreads);
    single('gopool_pool_busy_threads', 'gauge', 'Threads running at least one request.', s.pool.busyThreads);
    single('gopool_pool_queue_depth', 'gauge', 'Requests waiting in the central queue.', s.pool.queued);
    family('gopool_pool_tasks_total', 'counter', 'Requests handed to the pool, by outcome.');
    sample('gopool_pool_tasks_total', { outcome: 'completed' }, s.pool.completed);
    sample('gopool_pool_tasks_total', { outcome: 'failed' }, s.pool.failed);
    sample('gopool_pool_tasks_total', { outcome: 'timed_out' }, s.pool.timedOut);
    sample('gopool_pool_tasks_total', { outcome: 'rejected' }, s.pool.rejected);
    sample('gopool_pool_tasks_total', { outcome: 'cancelled' }, s.pool.cancelled);
    single('gopool_pool_threads_replaced_total', 'counter', 'Threads that crashed, ran out of memory or got stuck, and were replaced.', s.pool.threadsReplaced);
    single('gopool_pool_handlers_interrupted_total', 'counter', 'Handlers stuck in synchronous code on pool threads, stopped without ending the thread.', s.pool.interrupted);
    family('gopool_pool_task_wait_seconds', 'histogram', 'Time a request waited for a thread.');
    histogram('gopool_pool_task_wait_seconds', {}, metrics.poolWaitTotal);
    family('gopool_pool_task_run_seconds', 'histogram', 'Time from handing a request to a thread to its result.');
    histogram('gopool_pool_task_run_seconds', {}, metrics.poolRunTotal);
    family('gopool_thread_event_loop_utilization_ratio', 'gauge', 'Share of the last second each thread was busy.');
    for (const t of s.threads) sample('gopool_thread_event_loop_utilization_ratio', { thread: t.threadId }, t.utilization);
    family('gopool_thread_heap_used_bytes', 'gauge', 'V8 heap in use, per thread.');
    for (const t of s.threads) sample('gopool_thread_heap_used_bytes', { thread: t.threadId }, t.heapUsedBytes);
  }
  if (s.ingress) {
    single('gopool_ingress_threads_replaced_total', 'counter', 'Ingress threads replaced after a handler got stuck or threw where nothing caught it.', s.ingress.replaced);
    single('gopool_ingress_handlers_interrupted_total', 'counter', 'Handlers stuck in synchronous code on ingress threads, stopped without ending the thread.', s.ingress.interrupted);
  }

  single('gopool_master_event_loop_delay_p99_seconds', 'gauge', 'p99 event-loop delay of the master over the last second.', s.master.eventLoopDelayP99Ms / 1000);
  single('gopool_master_event_loop_utilization_ratio', 'gauge', 'Share of the last second the master was busy.', s.master.eventLoopUtilization);
  single('gopool_master_resident_memory_bytes', 'gauge', 'Resident memory of the master process (threads included).', s.master.rssBytes);
  single('gopool_master_heap_used_bytes', 'gauge', 'V8 heap in use on the master thread.', s.master.heapUsedBytes);

  if (s.daemon) {
    single('gopool_daemon_restarts_total', 'counter', 'Times the daemon restarted a master that died.', s.daemon.restarts);
    single('gopool_daemon_uptime_seconds', 'gauge', 'Seconds since the daemon started.', s.daemon.uptimeMs / 1000);
  }
  return `${out.join('\n')}\n`;
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
