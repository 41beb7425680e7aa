// The event-loop delay reads the delay beyond the sampling interval: near 0 on an idle loop,
// the blocking on a blocked one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopDelay } from '../../../dist/monitoring/event-loop-delay';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

test('an idle loop reads under 5 ms, not the 50 ms sampling interval', async () => {
  const delay = new EventLoopDelay(50);
  delay.enable();
  try {
    const readings: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(400);
      readings.push(delay.takeP99Ms());
    }
    assert.ok(median(readings) < 5, `idle readings ${readings.join(', ')} ms`);
    assert.ok(readings.every((ms) => ms < 50), `no reading counts the interval: ${readings.join(', ')}`);
  } finally {
    delay.disable();
  }
});

test('a loop blocked for 300 ms reads the blocking', async () => {
  const delay = new EventLoopDelay(50);
  delay.enable();
  try {
    await sleep(120);
    const end = Date.now() + 300;
    while (Date.now() < end); // blocks the loop
    await sleep(120);
    const ms = delay.takeP99Ms();
    assert.ok(ms >= 200 && ms < 1000, `blocked 300 ms, read ${ms} ms`);
  } finally {
    delay.disable();
  }
});

test('no samples read 0', () => {
  const delay = new EventLoopDelay(50);
  assert.equal(delay.takeP99Ms(), 0);
});
