import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteDefinition } from '../../../src/api/route-registry';
import { handlerThreadCount, lifecycleArgs, shareOf } from '../../../src/dispatch/thread-share';

const route = (runOn?: 'auto' | 'pool' | 'master') => ({ options: runOn ? { runOn } : {} }) as unknown as RouteDefinition;

test('the threads that may run handlers: ingress (at most the CPUs), pool (when a route may run there), the master (for its routes)', () => {
  const options = { ingressThreads: 2, cpus: 2, maxThreads: 2 };
  assert.equal(handlerThreadCount(options, [route()]), 4);
  assert.equal(handlerThreadCount(options, [route(), route('master')]), 5);
  assert.equal(handlerThreadCount(options, [route('master')]), 3, 'no pool when every route runs on the master');
  assert.equal(handlerThreadCount({ ingressThreads: 8, cpus: 2, maxThreads: 16 }, [route('pool')]), 18, 'ingress threads never outnumber the CPUs');
});

test('a share is the budget divided among them, rounded down, at least 1', () => {
  assert.equal(shareOf(10, 4), 2);
  assert.equal(shareOf(10, 5), 2);
  assert.equal(shareOf(10, 1), 10);
  assert.equal(shareOf(3, 7), 1, 'a budget under the thread count: 1 each, which may add up to 7');
  for (const bad of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => shareOf(bad, 4), { code: 'GOPOOL_ERR_SHARE_BUDGET' });
});

test('onThreadStart gets the count and share() with it', () => {
  const args = lifecycleArgs({} as Parameters<typeof lifecycleArgs>[0], 'ingress', 2, 5);
  assert.equal(args.handlerThreads, 5);
  assert.equal(args.share(20), 4);
  assert.equal(args.cpus, 2);
});
