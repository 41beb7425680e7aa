import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CentralQueue } from '../../../../src/dispatch/pool/central-queue';

interface Task {
  name: string;
  cost: number;
}
const task = (name: string, cost: number): Task => ({ name, cost });

/** Takes every task in the order the queue hands them out. */
function takeAll(queue: CentralQueue<Task>): string[] {
  const order: string[] = [];
  for (let next = queue.peek(); next; next = queue.peek()) {
    queue.take(next);
    order.push(next.name);
  }
  return order;
}

test('first in, first out within a lane', () => {
  const queue = new CentralQueue<Task>(1);
  for (const name of ['a', 'b', 'c']) queue.add(task(name, 0.1));
  assert.equal(queue.size, 3);
  assert.deepEqual(takeAll(queue), ['a', 'b', 'c']);
  assert.equal(queue.size, 0);
  assert.equal(queue.peek(), undefined);
});

test('cheap tasks go before heavy ones queued earlier', () => {
  const queue = new CentralQueue<Task>(1);
  queue.add(task('fib1', 20));
  queue.add(task('fib2', 20));
  queue.add(task('hello', 0.05));
  assert.deepEqual(takeAll(queue), ['hello', 'fib1', 'fib2']);
});

test('a task costing exactly the threshold is heavy', () => {
  const queue = new CentralQueue<Task>(1);
  queue.add(task('at-threshold', 1));
  queue.add(task('cheap', 0.99));
  assert.deepEqual(takeAll(queue), ['cheap', 'at-threshold']);
});

test('a heavy task is overtaken by at most 50 ms of cheap work, then runs', () => {
  const queue = new CentralQueue<Task>(1);
  queue.add(task('heavy', 30));
  for (let i = 0; i < 100; i++) queue.add(task(`c${i}`, 0.5));
  const order = takeAll(queue);
  // 100 cheap tasks of 0.5 ms: the heavy one waits for 100 of them (50 ms), no more.
  assert.equal(order.indexOf('heavy'), 100);
  assert.equal(order.length, 101);
});

test('each heavy task starts its own overtaking count', () => {
  const queue = new CentralQueue<Task>(1);
  queue.add(task('h1', 10));
  queue.add(task('h2', 10));
  for (let i = 0; i < 200; i++) queue.add(task(`c${i}`, 0.5));
  const order = takeAll(queue);
  assert.equal(order.indexOf('h1'), 100, 'after 50 ms of cheap work');
  assert.equal(order.indexOf('h2'), 201, 'after another 50 ms of cheap work');
});

test('cheap work handed out with no heavy task waiting does not count against a later one', () => {
  const queue = new CentralQueue<Task>(1);
  for (let i = 0; i < 200; i++) queue.add(task(`early${i}`, 0.5));
  for (let i = 0; i < 200; i++) queue.take(queue.peek()!);
  queue.add(task('heavy', 10));
  for (let i = 0; i < 10; i++) queue.add(task(`late${i}`, 0.5));
  assert.deepEqual(takeAll(queue).indexOf('heavy'), 10, 'only the cheap tasks queued with it go first');
});

test('remove takes a task out wherever it waits; drain empties both lanes', () => {
  const queue = new CentralQueue<Task>(1);
  const heavy = task('heavy', 5);
  const cheap = task('cheap', 0.1);
  const other = task('other', 0.1);
  queue.add(heavy);
  queue.add(cheap);
  queue.add(other);
  queue.remove(cheap);
  queue.remove(heavy);
  assert.equal(queue.size, 1);
  assert.equal(queue.peek(), other);
  queue.add(task('h2', 5));
  assert.deepEqual(
    queue
      .drain()
      .map((t) => t.name)
      .sort(),
    ['h2', 'other'],
  );
  assert.equal(queue.size, 0);
  assert.equal(queue.peek(), undefined);
});

test('a task put back goes to the head of its own lane, ahead of those queued after it was taken', () => {
  const queue = new CentralQueue<Task>(1);
  const first = task('first', 5);
  const second = task('second', 5);
  const cheap = task('cheap', 0.1);
  queue.add(first);
  queue.take(first);
  queue.add(second);
  queue.add(cheap);
  queue.putBack(first);
  assert.equal(queue.size, 3);
  assert.equal(queue.peek(), cheap); // cheap work still goes first
  queue.take(cheap);
  assert.equal(queue.peek(), first);
  queue.take(first);
  assert.equal(queue.peek(), second);
});
