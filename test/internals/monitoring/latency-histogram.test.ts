// Durations counted within 1/32 of themselves, added across histograms and threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { HIGHEST_US, type LatencyCounts, LatencyHistogram, microseconds } from '../../../src/monitoring/latency-histogram';

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected / 32, `${what}: ${actual}, expected about ${expected}`);
}

test('every value from 1 µs to 100 s reads back within 1/32 of itself; under 16 µs exactly', () => {
  for (let us = 1; us < 16; us++) {
    const h = new LatencyHistogram();
    h.record(us);
    assert.equal(h.percentile(50), us);
  }
  for (let us = 16; us <= HIGHEST_US; us = Math.ceil(us * 1.37)) {
    const h = new LatencyHistogram();
    h.record(us);
    h.record(us);
    near(h.percentile(50), us, `${us} µs`);
    assert.ok(h.percentile(100) <= h.max, 'never above the largest recorded');
  }
  const top = new LatencyHistogram();
  top.record(HIGHEST_US);
  assert.equal(top.max, HIGHEST_US);
});

test('percentiles of 1..1000 ms, count and max', () => {
  const h = new LatencyHistogram();
  for (let ms = 1; ms <= 1000; ms++) h.record(microseconds(ms));
  assert.equal(h.count, 1000);
  near(h.percentile(50), 500_000, 'p50');
  near(h.percentile(90), 900_000, 'p90');
  near(h.percentile(99), 990_000, 'p99');
  assert.equal(h.max, 1_000_000);
  assert.equal(new LatencyHistogram().percentile(99), 0, 'empty');
});

test('microseconds() bounds what it is given: 1 µs at least, 100 s at most, NaN as 1', () => {
  assert.equal(microseconds(0.0004), 1);
  assert.equal(microseconds(-3), 1);
  assert.equal(microseconds(Number.NaN), 1);
  assert.equal(microseconds(2.5), 2500);
  assert.equal(microseconds(1e9), HIGHEST_US);
});

test('added: another histogram, or the plain data one became crossing a message port', () => {
  const a = new LatencyHistogram();
  for (let i = 0; i < 90; i++) a.record(1000);
  const b = new LatencyHistogram();
  for (let i = 0; i < 10; i++) b.record(100_000);
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(b);
  const crossed = receiveMessageOnPort(port2)!.message as LatencyCounts;
  port1.close();
  assert.equal(crossed instanceof LatencyHistogram, false, 'plain data on the other side');
  a.add(crossed);
  assert.equal(a.count, 100);
  near(a.percentile(50), 1000, 'p50');
  near(a.percentile(95), 100_000, 'p95');
  assert.equal(a.max, 100_000);
  a.reset();
  assert.equal(a.count, 0);
  assert.equal(a.percentile(50), 0);
});
