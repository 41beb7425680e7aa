import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { CpuSampler } from '../../../src/dispatch/cpu-sampler';

/** Busy for at least `ms` (by the monotonic clock, to the microsecond), like a chunk of hashing. */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('continuations are measured: chunks run after awaits count, waiting does not', async () => {
  const sampler = new CpuSampler();
  assert.equal(sampler.wants('GET /chunked'), true, 'a route is sampled on its first run');
  const chunked = sampler.sample('GET /chunked', async () => {
    for (let i = 0; i < 5; i++) {
      await nextTurn();
      spin(5);
    }
  });
  await chunked.value;
  assert.ok(chunked.finish() >= 25, 'five 5 ms chunks after awaits');

  assert.equal(sampler.wants('GET /waits'), true);
  const waits = sampler.sample('GET /waits', async () => {
    await sleep(50);
  });
  await waits.value;
  assert.ok(waits.finish() < 50, 'waiting 50 ms is not thread time');
});

test('sampling is rationed: the first runs, one at a time, then now and then', () => {
  const sampler = new CpuSampler();
  assert.equal(sampler.wants('GET /r'), true, 'run 1');
  const open = sampler.sample('GET /r', () => 1);
  assert.equal(sampler.wants('GET /r'), false, 'run 2: one sample of a route at a time');
  open.finish();
  assert.equal(sampler.wants('GET /r'), true, 'run 3: still among the first runs');
  sampler.sample('GET /r', () => 3).finish();
  assert.equal(sampler.wants('GET /r'), false, 'run 4: after its first runs, a route waits its turn');
  assert.equal(sampler.wants('GET /other'), true, 'routes are rationed separately');
});
