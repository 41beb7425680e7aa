// The pool's rule for which thread takes a task, on threads described as data (what the master
// knows of each: state, tasks sent, their expected synchronous cost, continuations held).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PoolThread, Task } from '../../../../src/dispatch/pool/pool-thread';
import { accepts, heavyThreads, hold, isHeavy, release, takesNext, threadFor } from '../../../../src/dispatch/pool/thread-choice';

const CPUS = 2;
const CONCURRENCY = 64;

/** A thread that was sent tasks of these expected synchronous costs (ms), none done yet. */
function thread(name: string, costs: number[] = [], extra: Partial<PoolThread> = {}): PoolThread & { name: string } {
  const tasks = costs.map((sync, id) => ({ id, sync }) as Task);
  return {
    name,
    state: 'ready',
    running: new Map(tasks.map((t) => [t.id, t])),
    inSync: tasks,
    syncCost: costs.reduce((a, b) => a + b, 0),
    held: 0,
    overdue: 0,
    ...extra,
  } as unknown as PoolThread & { name: string };
}
const nameOf = (t: PoolThread | undefined) => (t as { name?: string } | undefined)?.name;

test('a thread is heavy when its promised synchronous work or held continuations fill the budget', () => {
  assert.equal(isHeavy(thread('idle')), false);
  assert.equal(isHeavy(thread('cheap', [0.2, 0.3])), false);
  assert.equal(isHeavy(thread('fib', [30])), true);
  assert.equal(isHeavy(thread('hashing', [], { held: 5 })), true);
  assert.equal(heavyThreads([thread('a', [30]), thread('b', [0.1]), thread('c', [], { held: 2 })]), 2);
});

test('cheap tasks are pipelined on one thread up to the budget; a heavy one goes alone', () => {
  const threads = [thread('one', [0.4])];
  assert.equal(accepts(threads[0]!, 0.5, threads, CPUS, CONCURRENCY), true);
  assert.equal(accepts(threads[0]!, 0.7, threads, CPUS, CONCURRENCY), false, 'over the budget');
  assert.equal(accepts(threads[0]!, 30, threads, CPUS, CONCURRENCY), false, 'a heavy task waits for an empty thread');
  assert.equal(accepts(thread('idle'), 30, threads, CPUS, CONCURRENCY), true);
});

test('only ready threads under their concurrency take work', () => {
  const starting = thread('starting', [], { state: 'starting' });
  const retiring = thread('retiring', [], { state: 'retiring' });
  assert.equal(accepts(starting, 0.1, [starting], CPUS, CONCURRENCY), false);
  assert.equal(accepts(retiring, 0.1, [retiring], CPUS, CONCURRENCY), false);
  const full = thread('full', [0, 0, 0]);
  assert.equal(accepts(full, 0, [full], CPUS, 3), false, 'at its concurrency');
  assert.equal(accepts(full, 0, [full], CPUS, 4), true);
});

test('heavy work runs on at most `cpus` threads, cheap work is never capped', () => {
  const threads = [thread('a', [30]), thread('b', [30]), thread('idle')];
  assert.equal(accepts(threads[2]!, 30, threads, CPUS, CONCURRENCY), false, 'both CPUs run heavy work');
  assert.equal(accepts(threads[2]!, 0.1, threads, CPUS, CONCURRENCY), true);
  assert.equal(accepts(threads[2]!, 30, threads, 3, CONCURRENCY), true, 'a third CPU');
});

test('the oldest thread that can start a task takes it', () => {
  const threads = [thread('busy', [30]), thread('older idle'), thread('younger idle')];
  assert.equal(nameOf(threadFor(threads, 0.1, CPUS, CONCURRENCY, 0)), 'older idle');
  assert.equal(nameOf(threadFor(threads, 30, CPUS, CONCURRENCY, 0)), 'older idle');
});

test('once heavy work fills the CPUs, a heavy thread running one task is sent the next one', () => {
  const threads = [thread('a', [30]), thread('b', [30])];
  assert.equal(takesNext(threads[0]!, 30, threads, CPUS), true);
  assert.equal(nameOf(threadFor(threads, 30, CPUS, CONCURRENCY, 0)), 'a');
  // Not past a task queued before it (a cheap one waiting for a free thread would starve).
  assert.equal(threadFor(threads, 30, CPUS, CONCURRENCY, 1), undefined);
  // Not while a CPU is free for heavy work: an idle or new thread would start it sooner.
  assert.equal(takesNext(threads[0]!, 30, [threads[0]!], CPUS), false);
  // Never a cheap task, never a second one, never to a thread with a handler past its timeout.
  assert.equal(takesNext(threads[0]!, 0.1, threads, CPUS), false);
  const twoQueued = thread('two', [30, 30]);
  assert.equal(takesNext(twoQueued, 30, [twoQueued, threads[1]!], CPUS), false);
  const overdue = thread('overdue', [30], { overdue: 1 });
  assert.equal(takesNext(overdue, 30, [overdue, threads[1]!], CPUS), false);
  const retiring = thread('retiring', [30], { state: 'retiring' });
  assert.equal(takesNext(retiring, 30, [retiring, threads[1]!], CPUS), false);
});

test('continuations held by awaiting tasks count against the budget until each is done, and leave exactly nothing behind', () => {
  const one = thread('one');
  const tasks = [1.3, 2.9, 1.05].map((ms, id) => {
    const task = { id, sync: 0.1, held: 0 } as Task;
    one.running.set(id, task);
    hold(one, task, ms);
    return task;
  });
  hold(one, { id: 9, sync: 0.1, held: 0 } as Task, 0.2); // I/O-bound: holds nothing
  assert.ok(isHeavy(one));
  assert.equal(accepts(one, 1, [one], CPUS, CONCURRENCY), false);
  for (const task of tasks) {
    release(one, task);
    one.running.delete(task.id);
  }
  // 1.3 + 2.9 + 1.05 - 1.3 - 2.9 - 1.05 is 2e-16 in floating point: an idle thread that kept
  // it would never take a task of a whole budget (a route not measured yet) again.
  assert.equal(one.held, 0);
  assert.equal(accepts(one, 1, [one], CPUS, CONCURRENCY), true);
});
