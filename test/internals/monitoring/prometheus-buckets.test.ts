// Prometheus buckets are upper-inclusive: a value lands in the smallest bucket whose bound is at
// least the value. Checked at, just below and just above every bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROMETHEUS_BOUNDS_MS, PROMETHEUS_BOUNDS_S, PROMETHEUS_SLOTS, PrometheusBuckets, prometheusBucketOf } from '../../../src/monitoring/prometheus-buckets';

test('the bounds are the usual ones, in seconds for the exposition', () => {
  assert.deepEqual([...PROMETHEUS_BOUNDS_S], [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  assert.equal(PROMETHEUS_SLOTS, 13);
});

test("a value at a bound is in that bound's bucket; just above, in the next", () => {
  PROMETHEUS_BOUNDS_MS.forEach((bound, i) => {
    assert.equal(prometheusBucketOf(bound), i, `${bound} ms`);
    assert.equal(prometheusBucketOf(bound * (1 - 1e-9)), i, `just below ${bound} ms`);
    assert.equal(prometheusBucketOf(bound * (1 + 1e-9)), i + 1, `just above ${bound} ms`);
    assert.equal(prometheusBucketOf(bound * 1.05), i + 1, `5% above ${bound} ms`);
  });
  assert.equal(prometheusBucketOf(1.05), 1, 'a 1.05 ms request is not in le="0.001"');
  assert.equal(prometheusBucketOf(0), 0);
  assert.equal(prometheusBucketOf(0.0001), 0);
  assert.equal(prometheusBucketOf(60_000), PROMETHEUS_SLOTS - 1, 'beyond the last bound: +Inf only');
});

test('cumulative counts, sum in seconds, +Inf equal to the count', () => {
  const b = new PrometheusBuckets();
  for (const ms of [0.5, 1, 1.05, 5, 10_000, 20_000]) b.record(ms);
  const cumulative = new Map(b.cumulative());
  assert.equal(cumulative.get(0.001), 2);
  assert.equal(cumulative.get(0.005), 4);
  assert.equal(cumulative.get(0.01), 4);
  assert.equal(cumulative.get(10), 5);
  assert.equal(cumulative.get(Infinity), 6);
  assert.equal(b.count, 6);
  assert.ok(Math.abs(b.sum - 30.00755) < 1e-9, `sum ${b.sum}`);
});

test('counts added from elsewhere (a tally) merge exactly', () => {
  const here = new PrometheusBuckets();
  const there = new PrometheusBuckets();
  here.record(2);
  there.record(2);
  there.record(300);
  here.add(there.counts, there.count, there.sum * 1000);
  assert.deepEqual(
    here.cumulative().map(([, n]) => n),
    [0, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3],
  );
  assert.equal(here.count, 3);
  assert.ok(Math.abs(here.sum - 0.304) < 1e-12);
});
