import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverTimeouts } from '../../../src/ingress/server-timeouts';

test("the options' timeouts, for fastify and for node's http server", () => {
  const t = serverTimeouts({ requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 72_000 });
  assert.equal(t.requestTimeout, 60_000);
  assert.equal(t.keepAliveTimeout, 72_000);
  assert.equal(t.http.requestTimeout, 60_000);
  assert.equal(t.http.headersTimeout, 20_000);
  assert.equal(t.http.connectionsCheckingInterval, 1000, 'a second at most');
});

test('headersTimeout never exceeds requestTimeout (node refuses that)', () => {
  assert.equal(serverTimeouts({ requestTimeout: 5000, headersTimeout: 20_000, keepAliveTimeout: 1 }).http.headersTimeout, 5000);
  assert.equal(
    serverTimeouts({ requestTimeout: 0, headersTimeout: 20_000, keepAliveTimeout: 1 }).http.headersTimeout,
    20_000,
    'no request limit: the headers keep theirs',
  );
});

test('the deadlines are checked at a tenth of the shortest timeout, from 50 ms up; never with no timeout', () => {
  assert.equal(serverTimeouts({ requestTimeout: 3000, headersTimeout: 2000, keepAliveTimeout: 1 }).http.connectionsCheckingInterval, 200);
  assert.equal(serverTimeouts({ requestTimeout: 100, headersTimeout: 100, keepAliveTimeout: 1 }).http.connectionsCheckingInterval, 50);
  assert.equal(serverTimeouts({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 1 }).http.connectionsCheckingInterval, undefined);
});
