import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwaitingRun, AwaitingRuns, type Clock } from '../../../src/dispatch/awaiting-runs';

/** A clock the test moves by hand; timers fire when it passes their time. */
function manualClock() {
  let now = 0;
  let timers: Array<{ at: number; run: () => void }> = [];
  const clock: Clock = {
    now: () => now,
    schedule: (run, ms) => {
      timers.push({ at: now + ms, run });
      return { unref: () => undefined };
    },
  };
  const advance = (ms: number): void => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers = timers.filter((t) => t.at > now);
    for (const t of due) t.run();
  };
  return { clock, advance, pending: () => timers.length };
}

const run = (key: string, ended: string[]) =>
  new AwaitingRun(key, { abort: () => undefined }, (_result, err) => ended.push(`${key}:${(err as Error & { code?: string })?.message}`));

test('a run past its timeout ends with it; one that answered in time is not touched', () => {
  const { clock, advance } = manualClock();
  const ended: string[] = [];
  const runs = new AwaitingRuns((r, timeout) => r.fail(new Error(`timeout ${timeout}`)), clock);
  const slow = run('slow', ended);
  const quick = run('quick', ended);
  runs.add(slow, 100);
  advance(10);
  runs.add(quick, 100);
  assert.equal(runs.remove(quick), true, 'it answered');
  advance(95);
  assert.deepEqual(ended, ['slow:timeout 100']);
  assert.equal(runs.remove(slow), false, 'ended already: its late answer is dropped');
  assert.equal(runs.size, 0);
});

test('one timer per timeout value, however many runs await', () => {
  const { clock, advance, pending } = manualClock();
  const ended: string[] = [];
  const runs = new AwaitingRuns((r, timeout) => r.fail(new Error(`timeout ${timeout}`)), clock);
  for (let i = 0; i < 100; i++) {
    runs.add(run(`a${i}`, ended), 1000);
    advance(1);
  }
  runs.add(run('short', ended), 50);
  assert.equal(pending(), 2, 'one for the 1000 ms lane, one for the 50 ms lane');
  advance(60);
  assert.deepEqual(ended, ['short:timeout 50']);
  advance(900);
  assert.equal(ended.length, 1 + 61, 'the runs of the 1000 ms lane end in the order they started, each at its own deadline');
  advance(100);
  assert.equal(ended.length, 101);
  assert.equal(pending(), 0);
});

test('the one run awaiting, for a crash nobody else can be blamed for', () => {
  const { clock } = manualClock();
  const ended: string[] = [];
  const runs = new AwaitingRuns(() => undefined, clock);
  const a = run('a', ended);
  const b = run('b', ended);
  runs.add(a, 100);
  assert.equal(runs.only(), a);
  runs.add(b, 200);
  assert.equal(runs.only(), undefined, 'two: nobody can tell');
  runs.remove(a);
  assert.equal(runs.only(), b);
});
