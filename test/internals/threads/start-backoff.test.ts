import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartBackoff } from '../../../src/threads/start-backoff';

/** The waits that follow `failures` failed starts, each failure at the moment the last wait ended. */
function waits(backoff: StartBackoff, failures: number, from = 0): number[] {
  const out: number[] = [];
  let now = from;
  for (let i = 0; i < failures; i++) {
    backoff.failed(now);
    const wait = backoff.waitMs(now);
    out.push(wait);
    now += wait;
  }
  return out;
}

test('a thread may start at once while no start has failed', () => {
  assert.equal(new StartBackoff().waitMs(0), 0);
});

test('each failed start doubles the wait, from 100 ms up to 10 s', () => {
  assert.deepEqual(waits(new StartBackoff(), 10), [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
});

test('the wait counts from the failure and runs out', () => {
  const backoff = new StartBackoff();
  backoff.failed(1000);
  assert.equal(backoff.waitMs(1000), 100);
  assert.equal(backoff.waitMs(1060), 40);
  assert.equal(backoff.waitMs(1100), 0);
  assert.equal(backoff.waitMs(5000), 0, 'never negative');
});

test('a thread that started resets the wait to 100 ms; the wait already running is kept', () => {
  const backoff = new StartBackoff();
  waits(backoff, 6);
  backoff.failed(100_000);
  assert.equal(backoff.waitMs(100_000), 6400);
  backoff.started();
  assert.equal(backoff.waitMs(100_000), 6400, 'a start elsewhere does not lift the current wait');
  assert.deepEqual(waits(backoff, 3, 200_000), [100, 200, 400]);
});

test('failures at the same moment (several threads starting at once) count one by one', () => {
  const backoff = new StartBackoff();
  backoff.failed(0);
  backoff.failed(0);
  backoff.failed(0);
  assert.equal(backoff.waitMs(0), 400);
});
