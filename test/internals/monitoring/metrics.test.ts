import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utilizationShare } from '../../../src/monitoring/metrics';

test('a thread’s utilization is a share of 0 to 1, whatever Node read', () => {
  assert.equal(utilizationShare(0.25), 0.25);
  assert.equal(utilizationShare(0), 0);
  assert.equal(utilizationShare(1), 1);
  assert.equal(utilizationShare(1.0004), 1, 'a loop caught mid-update reads a little over 1');
  assert.equal(utilizationShare(-0.02), 0);
  assert.equal(utilizationShare(Number.NaN), 0, 'a loop that has not run yet: 0 of 0');
  assert.equal(utilizationShare(Number.POSITIVE_INFINITY), 0);
});
