import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteCosts } from '../../../src/dispatch/route-costs';

test('a route never measured has no cost, and none until the rest of its thread time is measured too', () => {
  const costs = new RouteCosts();
  assert.equal(costs.expected('GET /new'), undefined);
  assert.equal(costs.expectedSync('GET /new'), undefined);
  assert.equal(costs.expectedAsync('GET /new'), -1);
  costs.record('GET /new', 0.1);
  assert.equal(costs.expectedSync('GET /new'), 0.1);
  assert.equal(costs.expected('GET /new'), undefined, 'its continuations may cost anything yet');
  costs.recordAsync('GET /new', 0);
  assert.equal(costs.expected('GET /new'), 0.1);
});

test('the first samples are averaged plainly: one slow cold call does not dominate', () => {
  const costs = new RouteCosts();
  costs.record('GET /r', 10);
  assert.equal(costs.expectedSync('GET /r'), 10, 'the first sample is the estimate');
  costs.record('GET /r', 2);
  assert.equal(costs.expectedSync('GET /r'), 6);
  costs.record('GET /r', 0);
  assert.equal(costs.expectedSync('GET /r'), 4);
});

test('later samples weigh a fifth each: the estimate follows a route that changed', () => {
  const costs = new RouteCosts();
  for (let i = 0; i < 10; i++) costs.record('GET /r', 10);
  assert.equal(costs.expectedSync('GET /r'), 10);
  costs.record('GET /r', 0);
  assert.equal(costs.expectedSync('GET /r'), 8);
  for (let i = 0; i < 30; i++) costs.record('GET /r', 0);
  assert.ok(costs.expectedSync('GET /r')! < 0.01, 'it became cheap');
});

test('expected cost is the synchronous run plus the continuations', () => {
  const costs = new RouteCosts();
  costs.record('GET /r', 0.2);
  costs.recordAsync('GET /r', 3);
  assert.equal(costs.expected('GET /r'), 3.2);
  assert.equal(costs.expectedSync('GET /r'), 0.2);
  assert.equal(costs.expectedAsync('GET /r'), 3);
});

test('a cost measured elsewhere replaces the estimate', () => {
  const costs = new RouteCosts();
  costs.record('GET /r', 5);
  costs.recordAsync('GET /r', 5);
  costs.set('GET /r', 0.5, 0.25);
  assert.equal(costs.expected('GET /r'), 0.75);
  assert.equal(costs.expectedAsync('GET /r'), 0.25);
  costs.record('GET /r', 1.5);
  assert.equal(costs.expectedSync('GET /r'), 0.7, 'a local sample moves it by a fifth');
});

test("a new thread's cold samples do not undo a cost measured elsewhere", () => {
  // A thread that has just started: the pool measured the route at 0.3 + 2 ms; the thread's
  // first runs are slow (its code is cold), then it warms up.
  const costs = new RouteCosts();
  costs.set('GET /r', 0.3, 2);
  costs.record('GET /r', 8);
  assert.ok(costs.expected('GET /r')! < 5, `one cold run leaves it cheap: ${costs.expected('GET /r')}`);
  for (let i = 0; i < 30; i++) costs.record('GET /r', 0.3);
  assert.ok(Math.abs(costs.expectedSync('GET /r')! - 0.3) < 0.01, 'and warm runs bring it back');
});

test("the rest measured elsewhere keeps this thread's own measure of the synchronous run", () => {
  const costs = new RouteCosts();
  costs.record('GET /r', 0.2);
  costs.setAsync('GET /r', 4);
  assert.equal(costs.expectedSync('GET /r'), 0.2);
  assert.equal(costs.expected('GET /r'), 4.2);
});

test('routes are kept apart', () => {
  const costs = new RouteCosts();
  costs.set('GET /a', 1, 0);
  costs.set('GET /b', 9, 0);
  assert.equal(costs.expected('GET /a'), 1);
  assert.equal(costs.expected('GET /b'), 9);
});
