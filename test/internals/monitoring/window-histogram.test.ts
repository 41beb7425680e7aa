// Latency percentiles over the last minute, from histograms of microseconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram, microseconds } from '../../../src/monitoring/latency-histogram';
import { WindowHistogram } from '../../../src/monitoring/window-histogram';

/** Within 1/16 of the exact value: more than the histograms need (they keep each value within 1/32). */
function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected / 16, `${what}: ${actual}, expected about ${expected}`);
}

test('percentiles of 1..1000 ms', () => {
  const h = new WindowHistogram();
  const now = 1_000_000;
  for (let ms = 1; ms <= 1000; ms++) h.record(ms, now);
  const p = h.percentiles(now);
  assert.equal(p.count, 1000);
  near(p.p50, 500, 'p50');
  near(p.p90, 900, 'p90');
  near(p.p99, 990, 'p99');
  near(p.max, 1000, 'max');
});

test('sub-millisecond and very long durations', () => {
  const h = new WindowHistogram();
  h.record(0.05, 0);
  near(h.percentiles(0).p50, 0.05, '50 µs');
  h.record(0, 0);
  h.record(-1, 0);
  h.record(Number.NaN, 0);
  assert.equal(h.percentiles(0).count, 4, 'nothing is dropped');
  const long = new WindowHistogram();
  long.record(500_000, 0);
  near(long.percentiles(0).max, 100_000, 'a duration past 100 s counts as 100 s');
});

test('the window is about a minute: older slots are left out, then reused', () => {
  const h = new WindowHistogram();
  h.record(10, 0);
  h.record(20, 30_000);
  assert.equal(h.percentiles(50_000).count, 2);
  assert.equal(h.percentiles(65_000).count, 1, 'the first ten seconds are out of the window');
  assert.equal(h.percentiles(95_000).count, 0);
  h.record(30, 60_000); // same slot as t=0: reset before reuse
  assert.equal(h.percentiles(60_000).count, 2);
  near(h.percentiles(60_000).max, 30, 'max');
});

test('percentiles over several windows, and histograms added from elsewhere', () => {
  const a = new WindowHistogram();
  const b = new WindowHistogram();
  for (let i = 0; i < 90; i++) a.record(1, 0);
  for (let i = 0; i < 10; i++) b.record(100, 0);
  const both = WindowHistogram.percentilesOf([a, b], 0);
  assert.equal(both.count, 100);
  near(both.p50, 1, 'p50');
  near(both.p99, 100, 'p99');
  const tally = new LatencyHistogram();
  for (let i = 0; i < 300; i++) tally.record(microseconds(7));
  a.add(tally, 0);
  const merged = a.percentiles(0);
  assert.equal(merged.count, 390);
  near(merged.p50, 7, 'p50 after the merge');
});

test('an empty window reads zeros', () => {
  assert.deepEqual(new WindowHistogram().percentiles(0), { count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
});
