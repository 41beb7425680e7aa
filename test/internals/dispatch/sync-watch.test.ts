import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overdueSyncRun, SyncWatch, safeToInterrupt, syncWatchBuffer } from '../../../src/dispatch/sync-watch';

const ROUTES = ['GET /a', 'GET /spin'];

test('the master sees which handler runs synchronously past its timeout, from the buffer alone', () => {
  const buffer = syncWatchBuffer();
  assert.ok(buffer instanceof SharedArrayBuffer, 'memory another thread reads');
  const watch = new SyncWatch(buffer, ROUTES);
  assert.equal(overdueSyncRun(buffer), undefined, 'nothing runs');
  watch.enter('GET /spin', 10_000, undefined);
  const started = Date.now();
  assert.equal(overdueSyncRun(buffer, started + 50), undefined, 'within its timeout');
  const overdue = overdueSyncRun(buffer, started + 20_000);
  assert.equal(overdue?.routeIndex, 1);
  assert.ok(overdue!.ranMs >= 20_000);
  watch.leave();
  assert.equal(overdueSyncRun(buffer, started + 20_000), undefined, 'it returned');
});

test('after an interrupt the thread learns which run was cut short, once', () => {
  const watch = new SyncWatch(syncWatchBuffer(), ROUTES);
  const cancel = { onCancel: undefined, watch: () => undefined };
  watch.enter('GET /a', 100, cancel);
  const cut = watch.takeInterrupted();
  assert.equal(cut?.routeKey, 'GET /a');
  assert.equal(cut?.cancel, cancel);
  assert.equal(watch.takeInterrupted(), undefined, 'taken');
  watch.enter('GET /a', 100, undefined);
  watch.leave();
  assert.equal(watch.takeInterrupted(), undefined, "stuck outside a handler's synchronous run");
});

test('a route the watch does not know is index -1', () => {
  const buffer = syncWatchBuffer();
  new SyncWatch(buffer, ROUTES).enter('GET /other', 1, undefined);
  assert.equal(overdueSyncRun(buffer, Date.now() + 1000)?.routeIndex, -1);
});

test('safe to interrupt only while no async hook is on (an AsyncLocalStorage before Node 24, an APM agent)', () => {
  const buffer = syncWatchBuffer();
  const watch = new SyncWatch(buffer, ROUTES);
  assert.equal(safeToInterrupt(buffer), true, 'no hook');
  watch.hooksEnabled(1);
  assert.equal(safeToInterrupt(buffer), false, "someone else's hook");
  watch.hooksEnabled(0);
  assert.equal(safeToInterrupt(buffer), true);
});
