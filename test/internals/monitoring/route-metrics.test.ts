// Per route: status classes, rate, latency window and Prometheus buckets, from requests
// answered on the master and from ingress threads' tallies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestTally } from '../../../src/monitoring/request-tally';
import { RATE_SECONDS, RouteMetrics } from '../../../src/monitoring/route-metrics';

test('requests answered on the master and tallied elsewhere add up', () => {
  const route = new RouteMetrics('GET', '/a');
  const t0 = 100_000;
  for (let i = 0; i < 10; i++) route.record(200, 2, t0);
  route.record(500, 40, t0);
  const tally = new RequestTally();
  for (let i = 0; i < 20; i++) tally.record('GET', '/a', 404, 1.05);
  for (const row of tally.take()) route.recordTally(row, t0 + 500);
  const s = route.snapshot(t0 + 1000);
  assert.equal(s.count, 31);
  assert.deepEqual(s.status, { '1xx': 0, '2xx': 10, '3xx': 0, '4xx': 20, '5xx': 1 });
  assert.equal(s.latencyMs.count, 31);
  assert.equal(route.buckets.counts[0], 0, 'nothing in le="0.001": 1.05 ms is above it');
  assert.equal(route.buckets.counts[1], 30);
  assert.equal(route.buckets.counts[4], 1);
  assert.equal(s.rps, 31 / RATE_SECONDS, 'the last complete seconds');
});

test('the rate counts complete seconds only, over the last few', () => {
  const route = new RouteMetrics('GET', '/a');
  for (let i = 0; i < 50; i++) route.record(200, 1, 10_500);
  assert.equal(route.rate(10_900), 0, 'the current second is not complete');
  assert.equal(route.rate(11_000), 50 / RATE_SECONDS);
  assert.equal(route.rate(10_000 + (RATE_SECONDS + 1) * 1000), 0, 'out of the window');
});
