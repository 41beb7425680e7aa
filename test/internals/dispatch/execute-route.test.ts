import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteDefinition } from '../../../src/api/route-registry';
import type { HandlerRequest } from '../../../src/api/types';
import { executeRoute } from '../../../src/dispatch/execute-route';
import type { RequestContext } from '../../../src/dispatch/handler-request';
import type { ResultDestination, TaskResult } from '../../../src/dispatch/task';
import { BodyKind } from '../../../src/dispatch/task';
import { unpackThrown } from '../../../src/dispatch/thrown-error';

const route = (handler: RouteDefinition['handler']): RouteDefinition => ({ key: 'GET /t', methods: ['GET'], path: '/t', options: {}, handler });
const REQUEST = {} as HandlerRequest & RequestContext;

/** Runs the handler: its result returned at once, or the promise of it. */
async function run(handler: RouteDefinition['handler'], to: ResultDestination = { crossing: false }): Promise<{ sync: boolean; result: TaskResult }> {
  const outcome = executeRoute(route(handler), REQUEST, undefined, to);
  return outcome instanceof Promise ? { sync: false, result: await outcome } : { sync: true, result: outcome };
}

test('a synchronous handler is answered synchronously, an async one later', async () => {
  const sync = await run(() => ({ ok: true }));
  assert.equal(sync.sync, true);
  assert.equal(sync.result.body, '{"ok":true}');
  const later = await run(async () => 'later');
  assert.equal(later.sync, false);
  assert.equal(later.result.kind, BodyKind.Text);
});

test('a throw or a rejection is an error result, never an exception', async () => {
  const thrown = new Error('sync throw');
  const sync = await run(() => {
    throw thrown;
  });
  assert.equal(sync.sync, true);
  assert.equal(sync.result.kind, BodyKind.Error);
  assert.equal(sync.result.error, thrown, 'not crossing: the object itself');
  const rejected = await run(
    async () => {
      throw Object.assign(new Error('nope'), { statusCode: 404 });
    },
    { crossing: true },
  );
  assert.equal(rejected.result.status, 404);
  assert.doesNotThrow(() => structuredClone(rejected.result), 'crossing: packed as data');
});

test('an unsendable value is a 500 naming the route', async () => {
  const { result } = await run(async () => ({ n: 1n }), { crossing: true });
  assert.equal(result.status, 500);
  assert.equal((unpackThrown(result.error) as Error & { code: string }).code, 'GOPOOL_ERR_RESULT_NOT_SENDABLE');
});

test('a thenable that is not a promise is awaited too, and answered after the call returned even if it calls back at once', async () => {
  const thenable = { then: (resolve: (v: unknown) => void) => resolve([1]) };
  const { sync, result } = await run(() => thenable);
  assert.equal(sync, false);
  assert.equal(result.body, '[1]');
});
