import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteDefinition } from '../../../src/api/route-registry';
import { Placement, placeRoute } from '../../../src/dispatch/placement';
import { RouteCosts } from '../../../src/dispatch/route-costs';
import type { Dispatcher, TaskRequest, TaskResult } from '../../../src/dispatch/task';

test('single mode runs everything on its one thread', () => {
  for (const runOn of [undefined, 'auto', 'pool', 'master'] as const) assert.equal(placeRoute(runOn, 'single', 50, 1), 'here', String(runOn));
});

test('runOn "master": handed over to the master', () => {
  assert.equal(placeRoute('master', 'ingress', 0.01, 1), 'master');
});

test('runOn "pool" goes to the pool, whatever it costs', () => {
  assert.equal(placeRoute('pool', 'ingress', 0.01, 1), 'pool');
});

test('on an ingress thread an auto route runs inline while it costs less than cheapRouteMs', () => {
  assert.equal(placeRoute('auto', 'ingress', 0.3, 1), 'here');
  assert.equal(placeRoute(undefined, 'ingress', 0.3, 1), 'here', 'auto is the default');
  assert.equal(placeRoute('auto', 'ingress', 1, 1), 'pool', 'at the threshold: heavy');
  assert.equal(placeRoute('auto', 'ingress', undefined, 1), 'pool', 'not measured yet: measured on the pool first');
  assert.equal(placeRoute('auto', 'ingress', 0, 0), 'pool', 'cheapRouteMs 0: never inline');
  assert.equal(placeRoute('auto', 'ingress', 0.01, 1, true), 'pool', 'pinned after it got stuck');
});

test('a route on the pool for its cost comes back only well under the threshold', () => {
  assert.equal(placeRoute('auto', 'ingress', 0.9, 1, false, false), 'here', 'inline: stays while under the threshold');
  assert.equal(placeRoute('auto', 'ingress', 0.9, 1, false, true), 'pool', 'away: 0.9 of the threshold is not enough to come back');
  assert.equal(placeRoute('auto', 'ingress', 0.5, 1, false, true), 'here');
});

/** A dispatcher that answers at once and remembers what it ran. */
function recorder(name: string): Dispatcher & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    run: async (routeKey: string) => {
      ran.push(routeKey);
      return { status: 200, kind: 2, headers: null, body: name } as TaskResult;
    },
  };
}

function ingressPlacement() {
  // What the thread's inline dispatcher would be given: the same costs, to record its synchronous runs in.
  const costs = new RouteCosts();
  const pool = recorder('pool');
  const master = recorder('master');
  const clock = { ms: 0 };
  const placement = new Placement({ role: 'ingress', cheapRouteMs: 1, here: {}, costs, pool, master, now: () => clock.ms });
  return { placement, costs, pool, master, clock };
}

const route = (key: string, runOn?: 'auto' | 'pool' | 'master'): RouteDefinition => ({
  key,
  methods: ['GET'],
  path: key.split(' ')[1]!,
  options: runOn ? { runOn } : {},
  handler: () => null,
});

test('Placement learns costs where handlers run and follows them', () => {
  const { placement, costs } = ingressPlacement();
  const hello = placement.track(route('GET /hello'));
  assert.equal(placement.where(hello), 'pool', 'unknown: to the pool, to be measured');
  placement.learn(hello.route.key, 0.1, 0.1); // the pool's answer carries the cost
  assert.equal(placement.where(hello), 'here');
  costs.record(hello.route.key, 30); // measured here: it turned heavy
  costs.record(hello.route.key, 30);
  assert.equal(placement.where(hello), 'pool');
});

test('what a route costs after its awaits, measured on the pool, counts: a probe can send it away', () => {
  const { placement, costs } = ingressPlacement();
  const chunked = placement.track(route('GET /chunked'));
  placement.learn(chunked.route.key, 0.1, 0.1);
  costs.record(chunked.route.key, 0.1);
  assert.equal(placement.where(chunked), 'here');
  placement.learn(chunked.route.key, 0.3, 5); // a probe's answer: heavy after its first await
  assert.equal(placement.where(chunked), 'pool', 'cheap before its first await, heavy after it');
});

test('while a pool thread is ready, an inline route is sent there now and then to be measured again', () => {
  const { placement, clock } = ingressPlacement();
  const hello = placement.track(route('GET /hello'));
  placement.learn(hello.route.key, 0.1, 0.1);
  const count = (n: number) => {
    let away = 0;
    for (let i = 0; i < n; i++) if (placement.where(hello) === 'pool') away++;
    return away;
  };
  assert.equal(count(1000), 0, 'no probes while no pool thread is ready');
  clock.ms += 60_000;
  assert.equal(count(1000), 0, 'none either once an interval is over');
  placement.canProbe(true);
  assert.equal(count(1000), 1, 'one probe once its interval is over');
  assert.equal(count(1000), 0, 'not again within the interval');
  clock.ms += 60_000;
  assert.equal(count(1000), 1);
  placement.canProbe(false);
  clock.ms += 60_000;
  assert.equal(count(1000), 0, 'the pool has no ready thread: no probe');
});

test('a pinned route never runs inline again; runOn "master" reaches the master', async () => {
  const { placement, master } = ingressPlacement();
  const stuck = placement.track(route('GET /stuck'));
  placement.learn(stuck.route.key, 0.1, 0);
  placement.pin(stuck.route.key);
  assert.equal(placement.where(stuck), 'pool');
  const admin = placement.track(route('GET /admin', 'master'));
  assert.equal(placement.where(admin), 'master');
  await placement.away('master').run(admin.route.key, REQUEST, 1000);
  assert.deepEqual(master.ran, ['GET /admin']);
});

test('a route pinned before it was mounted is pinned once it is', () => {
  const { placement } = ingressPlacement();
  placement.pin('GET /stuck');
  placement.learn('GET /stuck', 0.1, 0);
  assert.equal(placement.where(placement.track(route('GET /stuck'))), 'pool');
  assert.equal(placement.track(route('GET /stuck')), placement.track(route('GET /stuck')), 'one state per route');
});

test('single mode measures nothing: every route runs here', () => {
  const placement = new Placement({ role: 'single', cheapRouteMs: 1, here: {} });
  assert.equal(placement.where(placement.track(route('GET /heavy', 'pool'))), 'here');
});

const REQUEST = { method: 'GET', url: '/', params: {}, query: {}, body: undefined, headers: {}, id: 'req-1', ip: '127.0.0.1' } as TaskRequest;
