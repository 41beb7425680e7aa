import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Placement, placeRoute, type PlacementTargets } from '../../../dist/dispatch/placement';
import type { RouteDefinition } from '../../../dist/api/route-registry';
import type { Dispatcher, TaskRequest, TaskResult } from '../../../dist/dispatch/task';

test('single mode runs everything on its one thread', () => {
  for (const runOn of [undefined, 'auto', 'pool', 'master'] as const) assert.equal(placeRoute(runOn, 'single', 50, 1), 'here', String(runOn));
});

test('runOn "master": on the master, handed over by an ingress thread', () => {
  assert.equal(placeRoute('master', 'master', undefined, 1), 'here');
  assert.equal(placeRoute('master', 'ingress', 0.01, 1), 'master');
});

test('runOn "pool" and every auto route the master accepts go to the pool', () => {
  assert.equal(placeRoute('pool', 'ingress', 0.01, 1), 'pool');
  assert.equal(placeRoute('auto', 'master', 0.01, 1), 'pool', 'a cheap route too: a bug must not cost the master');
  assert.equal(placeRoute(undefined, 'master', undefined, 1), 'pool');
});

test('on an ingress thread an auto route runs inline while it costs less than cheapRouteMs', () => {
  assert.equal(placeRoute('auto', 'ingress', 0.3, 1), 'here');
  assert.equal(placeRoute(undefined, 'ingress', 0.3, 1), 'here', 'auto is the default');
  assert.equal(placeRoute('auto', 'ingress', 1, 1), 'pool', 'at the threshold: heavy');
  assert.equal(placeRoute('auto', 'ingress', undefined, 1), 'pool', 'not measured yet: measured on the pool first');
  assert.equal(placeRoute('auto', 'ingress', 0, 0), 'pool', 'cheapRouteMs 0: never inline');
  assert.equal(placeRoute('auto', 'ingress', 0.01, 1, true), 'pool', 'pinned after it got stuck');
});

/** A dispatcher that answers at once and remembers what it ran. */
function recorder(name: string): Dispatcher & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    run: (routeKey: string) => {
      ran.push(routeKey);
      return { status: 200, kind: 2, headers: null, body: name } as TaskResult;
    },
  };
}

function ingressPlacement() {
  const here = Object.assign(recorder('here'), { onSyncTime: undefined, onAsyncTime: undefined }) as ReturnType<typeof recorder> & PlacementTargets['here'];
  const pool = recorder('pool');
  const master = recorder('master');
  const placement = new Placement({ role: 'ingress', cheapRouteMs: 1, here, pool, master });
  return { placement, here, pool, master };
}

const route = (key: string, runOn?: 'auto' | 'pool' | 'master'): RouteDefinition => ({
  key,
  methods: ['GET'],
  path: key.split(' ')[1]!,
  options: runOn ? { runOn } : {},
  handler: () => null,
});
const REQUEST = { method: 'GET', url: '/', params: {}, query: {}, body: undefined, headers: {}, id: 'req-1', ip: '127.0.0.1' } as TaskRequest;

test('Placement learns costs where handlers run and follows them', () => {
  const { placement, here, pool } = ingressPlacement();
  const hello = route('GET /hello');
  assert.equal(placement.where(hello), 'pool', 'unknown: to the pool, to be measured');
  placement.learn(hello.key, 0.2); // the pool's answer carries the cost
  assert.equal(placement.where(hello), 'here');
  placement.run(hello, REQUEST, 1000);
  assert.deepEqual(here.ran, ['GET /hello']);
  here.onSyncTime!(hello.key, 30); // measured here: it turned heavy
  here.onSyncTime!(hello.key, 30);
  assert.equal(placement.where(hello), 'pool');
  placement.run(hello, REQUEST, 1000);
  assert.deepEqual(pool.ran, ['GET /hello']);
});

test('continuations measured on an ingress thread count towards the cost', () => {
  const { placement, here } = ingressPlacement();
  const chunked = route('GET /chunked');
  here.onSyncTime!(chunked.key, 0.1);
  assert.equal(placement.where(chunked), 'here');
  here.onAsyncTime!(chunked.key, 5);
  assert.equal(placement.where(chunked), 'pool', 'cheap before its first await, heavy after it');
});

test('a pinned route never runs inline again; runOn "master" reaches the master', () => {
  const { placement, master } = ingressPlacement();
  const stuck = route('GET /stuck');
  placement.learn(stuck.key, 0.1);
  placement.pin(stuck.key);
  assert.equal(placement.where(stuck), 'pool');
  placement.run(route('GET /admin', 'master'), REQUEST, 1000);
  assert.deepEqual(master.ran, ['GET /admin']);
});

test('the master does not sample continuations: the cost does not decide anything there', () => {
  const here = Object.assign(recorder('here'), { onSyncTime: undefined, onAsyncTime: undefined }) as ReturnType<typeof recorder> & PlacementTargets['here'];
  new Placement({ role: 'master', cheapRouteMs: 1, here, pool: recorder('pool') });
  assert.equal(typeof here.onSyncTime, 'function');
  assert.equal(here.onAsyncTime, undefined);
});
