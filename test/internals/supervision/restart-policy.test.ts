import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCause, RestartPolicy } from '../../../src/supervision/restart-policy';

test('backoff doubles from 100 ms up to 15 s', () => {
  const policy = new RestartPolicy({ initialDelayMs: 100, maxDelayMs: 15_000, resetAfterMs: 30_000, crashLimit: 1000, crashWindowMs: 60_000 });
  const delays = Array.from({ length: 10 }, (_, i) => policy.onExit(i * 100_000, 10));
  assert.deepEqual(
    delays.map((d) => (d.restart ? d.delayMs : -1)),
    [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 15_000, 15_000],
  );
});

test('a master that stayed up 30 s resets the delay', () => {
  const policy = new RestartPolicy();
  policy.onExit(0, 10);
  policy.onExit(1000, 10);
  assert.deepEqual(policy.onExit(200_000, 30_000), { restart: true, delayMs: 100 });
});

test('five crashes within 60 s are a crash loop; older crashes fall out of the window', () => {
  const policy = new RestartPolicy();
  for (let i = 0; i < 4; i++) assert.equal(policy.onExit(i * 1000, 10).restart, true);
  const fifth = policy.onExit(4000, 10);
  assert.equal(fifth.restart, false);
  assert.match((fifth as { reason: string }).reason, /crash loop: 5 crashes within 60 s/);

  const spread = new RestartPolicy();
  for (let i = 0; i < 10; i++) assert.equal(spread.onExit(i * 20_000, 10).restart, true, `crash ${i}: at most 4 in any 60 s`);
});

test('SIGKILLs from outside are restarted but never make a crash loop', () => {
  const policy = new RestartPolicy();
  for (let i = 0; i < 20; i++) assert.equal(policy.onExit(i * 100, 10, 'killed-from-outside').restart, true);
  for (let i = 0; i < 4; i++) assert.equal(policy.onExit(3000 + i, 10, 'crash').restart, true);
  assert.equal(policy.onExit(4000, 10, 'crash').restart, false, 'the fifth real crash still counts');
});

test('reset() starts afresh', () => {
  const policy = new RestartPolicy();
  for (let i = 0; i < 4; i++) policy.onExit(i, 10);
  policy.reset();
  assert.deepEqual(policy.onExit(10, 10), { restart: true, delayMs: 100 });
});

test('exitCause: only a SIGKILL the daemon did not send comes from outside', () => {
  assert.equal(exitCause('SIGKILL', false), 'killed-from-outside');
  assert.equal(exitCause('SIGKILL', true), 'crash');
  assert.equal(exitCause('SIGSEGV', false), 'crash');
  assert.equal(exitCause(null, false), 'crash');
});
