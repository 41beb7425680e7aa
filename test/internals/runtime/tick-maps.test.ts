import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { test } from 'node:test';
import { keepTickMaps } from '../../../src/runtime/tick-maps';

const KEPT = Symbol.for('gopool.keptTickObject');
const kept = () => (globalThis as { [KEPT]?: { callback?: unknown } })[KEPT];

test('one tick object is kept for the thread, and the async hook that caught it is off again', async () => {
  keepTickMaps();
  const first = kept();
  assert.ok(first !== undefined, 'a tick object is kept');
  assert.equal(typeof first.callback, 'function', "it is node's tick object (its callback)");
  keepTickMaps();
  // Ticks after it do not replace it: the hook is disabled, and a second call keeps the first.
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => process.nextTick(resolve));
  assert.equal(kept(), first);
});

test('async hooks of the app still see every tick object after it', async () => {
  keepTickMaps();
  let ticks = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'TickObject') ticks++;
    },
  }).enable();
  try {
    await new Promise<void>((resolve) => process.nextTick(resolve));
  } finally {
    hook.disable();
  }
  assert.ok(ticks >= 1, `the app's hook saw ${ticks} tick objects`);
});
