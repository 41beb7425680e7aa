// The Prometheus text as prom-client writes it from gopool's own counts: promtool accepts it,
// buckets are exact at their bounds, and families that do not apply are left out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Metrics } from '../../../src/monitoring/metrics';
import { renderPrometheus } from '../../../src/monitoring/prometheus';
import { RequestTally } from '../../../src/monitoring/request-tally';

function promtool(text: string): void {
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.error, undefined, 'promtool runs (scripts/test.mjs installs it)');
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no lint findings');
}

test('requests on the master and from a tally; exact buckets; promtool check metrics', async () => {
  const metrics = new Metrics('unit', 'pool');
  metrics.recordRequest('GET', '/a', 200, 1);
  metrics.recordRequest('GET', '/a', 200, 1.05);
  metrics.recordRequest('GET', '/a', 404, 0.2);
  const tally = new RequestTally();
  tally.record('GET', '/a', 200, 5);
  tally.record('POST', '/quote"d\\route\n', 503, 12_000);
  metrics.recordTally(tally.take());
  const text = await renderPrometheus(metrics);
  promtool(text);
  const line = (pattern: string) => assert.ok(text.split('\n').includes(pattern), `${pattern}\nin:\n${text}`);
  line('gopool_up 0');
  line('gopool_http_requests_total{method="GET",route="/a",status="2xx"} 3');
  line('gopool_http_requests_total{method="GET",route="/a",status="4xx"} 1');
  line('gopool_http_request_duration_seconds_bucket{method="GET",route="/a",le="0.001"} 2');
  line('gopool_http_request_duration_seconds_bucket{method="GET",route="/a",le="0.005"} 4');
  line('gopool_http_request_duration_seconds_bucket{method="GET",route="/a",le="+Inf"} 4');
  line('gopool_http_request_duration_seconds_count{method="GET",route="/a"} 4');
  line('gopool_http_request_duration_seconds_bucket{method="POST",route="/quote\\"d\\\\route\\n",le="10"} 0');
  line('gopool_http_request_duration_seconds_bucket{method="POST",route="/quote\\"d\\\\route\\n",le="+Inf"} 1');
  assert.match(text, /^gopool_http_request_duration_seconds_sum\{method="GET",route="\/a"\} 0\.0072\d*$/m);
  assert.match(text, /^# TYPE gopool_master_event_loop_delay_p99_seconds gauge$/m);
  assert.doesNotMatch(text, /gopool_pool_|gopool_daemon_/, 'no pool, no daemon: those families are left out');
});

test("the daemon's families once it reported", async () => {
  const metrics = new Metrics('unit', 'pool');
  metrics.setDaemon({ pid: 1, startedAt: Date.now() - 5000, restarts: 2 });
  const text = await renderPrometheus(metrics);
  promtool(text);
  assert.match(text, /^gopool_daemon_restarts_total 2$/m);
  assert.match(text, /^# TYPE gopool_daemon_restarts_total counter$/m);
});
