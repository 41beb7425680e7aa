import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskClock } from '../../../../src/dispatch/pool/task-clock';

/** A clock the test moves by hand: the thread's CPU time in ms. */
function manual() {
  let now = 0;
  return { busy: () => now, spend: (ms: number) => (now += ms) };
}

test('a task alone on its thread is charged all the busy time beyond its synchronous runs', () => {
  const cpu = manual();
  const clock = new TaskClock(cpu.busy);
  const mark = clock.start();
  cpu.spend(0.5); // its synchronous run
  clock.ran(0.5);
  cpu.spend(2); // its continuations after an await
  assert.equal(clock.end(mark), 2);
});

test('the rest is shared equally by the tasks in flight', () => {
  const cpu = manual();
  const clock = new TaskClock(cpu.busy);
  const a = clock.start();
  const b = clock.start();
  cpu.spend(4); // continuations of both, or of either: they cannot be told apart
  assert.equal(clock.end(a), 2);
  cpu.spend(1); // b alone now
  assert.equal(clock.end(b), 3);
});

test('a synchronous run is charged to its own task, never shared', () => {
  const cpu = manual();
  const clock = new TaskClock(cpu.busy);
  const db = clock.start(); // awaiting a query
  const fib = clock.start();
  cpu.spend(30);
  clock.ran(30); // fib ran synchronously, measured exactly
  assert.equal(clock.end(fib), 0, 'its synchronous run is reported apart');
  assert.equal(clock.end(db), 0, 'the awaiting task is not charged for it');
});

test('busy time with no task in flight is charged to nobody', () => {
  const cpu = manual();
  const clock = new TaskClock(cpu.busy);
  cpu.spend(10); // a heap report, a timer of the app's
  const mark = clock.start();
  cpu.spend(1);
  assert.equal(clock.end(mark), 1);
  cpu.spend(10);
  const next = clock.start();
  assert.equal(clock.end(next), 0);
});
