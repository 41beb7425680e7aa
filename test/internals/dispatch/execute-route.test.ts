import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executeRoute } from '../../../dist/dispatch/execute-route';
import { unpackThrown } from '../../../dist/dispatch/thrown-error';
import type { RouteDefinition } from '../../../dist/api/route-registry';
import type { HandlerRequest } from '../../../dist/api/types';
import type { RequestContext } from '../../../dist/dispatch/handler-request';
import { BodyKind } from '../../../src/dispatch/task';

const route = (handler: RouteDefinition['handler']): RouteDefinition => ({ key: 'GET /t', methods: ['GET'], path: '/t', options: {}, handler });
const REQUEST = {} as HandlerRequest & RequestContext;

test('a synchronous handler is answered synchronously, an async one with a promise', async () => {
  const sync = executeRoute(
    route(() => ({ ok: true })),
    REQUEST,
    undefined,
    false,
  );
  assert.ok(!(sync instanceof Promise));
  assert.equal(sync.body, '{"ok":true}');
  const later = executeRoute(
    route(async () => 'later'),
    REQUEST,
    undefined,
    false,
  );
  assert.ok(later instanceof Promise);
  assert.equal((await later).kind, BodyKind.Text);
});

test('a throw or a rejection is an error result, never an exception', async () => {
  const thrown = new Error('sync throw');
  const sync = executeRoute(
    route(() => {
      throw thrown;
    }),
    REQUEST,
    undefined,
    false,
  );
  assert.ok(!(sync instanceof Promise));
  assert.equal(sync.kind, BodyKind.Error);
  assert.equal(sync.error, thrown, 'not crossing: the object itself');
  const rejected = await executeRoute(
    route(async () => {
      throw Object.assign(new Error('nope'), { statusCode: 404 });
    }),
    REQUEST,
    undefined,
    true,
  );
  assert.equal(rejected.status, 404);
  assert.doesNotThrow(() => structuredClone(rejected), 'crossing: packed as data');
});

test('an unsendable value is a 500 naming the route', async () => {
  const result = await executeRoute(
    route(async () => ({ n: 1n })),
    REQUEST,
    undefined,
    true,
  );
  assert.equal(result.status, 500);
  assert.equal((unpackThrown(result.error) as Error & { code: string }).code, 'GOPOOL_ERR_RESULT_NOT_SENDABLE');
});

test('a thenable that is not a promise is awaited too', async () => {
  const thenable = { then: (resolve: (v: unknown) => void) => resolve([1]) };
  const result = executeRoute(
    route(() => thenable),
    REQUEST,
    undefined,
    false,
  );
  assert.ok(result instanceof Promise);
  assert.equal((await result).body, '[1]');
});
