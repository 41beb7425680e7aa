import assert from 'node:assert/strict';
import { test } from 'node:test';
import { masterExecArgv, threadResourceLimits } from '../../../src/runtime/thread-limits';

test("a thread's V8 limits from maxThreadMemory and youngGenerationMb; 0 leaves V8's default", () => {
  assert.deepEqual(threadResourceLimits(256, 6), { resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 6 } });
  assert.deepEqual(threadResourceLimits(0, 6), { resourceLimits: { maxYoungGenerationSizeMb: 6 } });
  assert.deepEqual(threadResourceLimits(0, 0), {});
});

test("the master's nursery as a semi-space flag (a third of it), unless the user chose one", () => {
  assert.deepEqual(masterExecArgv(['--import', 'x'], 6, ''), ['--import', 'x', '--max-semi-space-size=2']);
  assert.deepEqual(masterExecArgv([], 1, ''), ['--max-semi-space-size=1'], 'at least 1 MB');
  assert.deepEqual(masterExecArgv([], 0, ''), []);
  assert.deepEqual(masterExecArgv(['--max-semi-space-size=8'], 6, ''), ['--max-semi-space-size=8']);
  assert.deepEqual(masterExecArgv([], 6, '--max_semi_space_size=16'), [], 'in NODE_OPTIONS');
});
