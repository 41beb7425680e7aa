import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrustProxy } from '../../../src/ingress/trust-proxy';

test('trustProxy text: off, on, a number of hops, or addresses and ranges', () => {
  assert.equal(parseTrustProxy('false'), false);
  assert.equal(parseTrustProxy(''), false);
  assert.equal(parseTrustProxy(' TRUE '), true);
  assert.equal(parseTrustProxy('2'), 2);
  assert.deepEqual(parseTrustProxy('10.0.0.1, 192.168.0.0/16,,'), ['10.0.0.1', '192.168.0.0/16']);
  assert.deepEqual(parseTrustProxy('loopback'), ['loopback']);
});
