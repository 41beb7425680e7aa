import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reply } from '../../../src/api/reply';
import { thrownResult, toTaskResult, unsendableResult } from '../../../src/dispatch/serialize-result';
import { BodyKind } from '../../../src/dispatch/task';
import { unpackThrown } from '../../../src/dispatch/thrown-error';

test('plain data is JSON with 200; undefined is an empty 204', () => {
  assert.deepEqual(toTaskResult({ a: [1, 2] }), { status: 200, headers: null, kind: BodyKind.Json, body: '{"a":[1,2]}' });
  assert.deepEqual(toTaskResult(null), { status: 200, headers: null, kind: BodyKind.Json, body: 'null' });
  assert.deepEqual(toTaskResult(7), { status: 200, headers: null, kind: BodyKind.Json, body: '7' });
  assert.deepEqual(toTaskResult(undefined), { status: 204, headers: null, kind: BodyKind.Empty, body: null });
});

test('strings are text; bytes are binary, copied to their exact size', () => {
  assert.deepEqual(toTaskResult('hello'), { status: 200, headers: null, kind: BodyKind.Text, body: 'hello' });
  const pooled = Buffer.from('abc'); // a slice of node's shared 8 KiB pool
  const result = toTaskResult(pooled);
  assert.equal(result.kind, BodyKind.Binary);
  const body = result.body as Uint8Array;
  assert.deepEqual([...body], [...Buffer.from('abc')]);
  assert.equal(body.buffer.byteLength, 3, 'only the bytes sent, not the pool behind them');
  const exact = new Uint8Array([1, 2]);
  assert.equal((toTaskResult(exact).body as Uint8Array).buffer, exact.buffer, 'a view of a whole buffer is not copied');
  const arrayBuffer = new Uint8Array([9, 8]).buffer;
  assert.deepEqual([...(toTaskResult(arrayBuffer).body as Uint8Array)], [9, 8]);
  assert.deepEqual([...(toTaskResult(new Uint16Array([1])).body as Uint8Array)].length, 2, 'other typed arrays as their bytes');
});

test('reply() sets the status and headers; without a body it is a 204', () => {
  assert.deepEqual(toTaskResult(reply({ id: 1 }, { status: 201, headers: { location: '/items/1' } })), {
    status: 201,
    headers: { location: '/items/1' },
    kind: BodyKind.Json,
    body: '{"id":1}',
  });
  assert.deepEqual(toTaskResult(reply(undefined)), { status: 204, headers: null, kind: BodyKind.Empty, body: null });
  assert.equal(toTaskResult(reply('gone', { status: 410 })).status, 410);
});

test('what cannot be sent throws a coded error saying why', () => {
  const cases: Array<[unknown, string]> = [
    [() => 1, 'GOPOOL_ERR_RESULT_TYPE'],
    [Symbol('s'), 'GOPOOL_ERR_RESULT_TYPE'],
    [
      (async function* () {
        yield 1;
      })(),
      'GOPOOL_ERR_RESULT_STREAM',
    ],
    [new ReadableStream(), 'GOPOOL_ERR_RESULT_STREAM'],
    [{ toJSON: () => undefined }, 'GOPOOL_ERR_RESULT_EMPTY_JSON'],
    [reply('x', { status: 99 }), 'GOPOOL_ERR_REPLY_STATUS'],
    [reply('x', { status: 200.5 }), 'GOPOOL_ERR_REPLY_STATUS'],
    [reply('x', { headers: 'x-a: 1' as never }), 'GOPOOL_ERR_REPLY_HEADERS'],
    [reply('x', { headers: { 'x-a': { nested: true } as never } }), 'GOPOOL_ERR_REPLY_HEADERS'],
  ];
  for (const [value, code] of cases) assert.throws(() => toTaskResult(value), { code }, code);
  assert.throws(() => toTaskResult({ n: 1n }), TypeError, 'JSON.stringify refuses a BigInt');
});

test('a response schema writes the JSON (and drops what it does not list)', () => {
  const serializerFor = (status: number) => (status === 200 ? (value: unknown) => JSON.stringify({ only: (value as { only: unknown }).only }) : undefined);
  assert.equal(toTaskResult({ only: 1, secret: 2 }, serializerFor).body, '{"only":1}');
  assert.equal(toTaskResult(reply({ only: 1, secret: 2 }, { status: 201 }), serializerFor).body, '{"only":1,"secret":2}', 'no schema for 201');
});

test('a thrown error keeps its 4xx/5xx status; anything else is a 500', () => {
  assert.equal(thrownResult(Object.assign(new Error('x'), { statusCode: 404 }), { crossing: false }).status, 404);
  assert.equal(thrownResult(Object.assign(new Error('x'), { status: 503 }), { crossing: false }).status, 503);
  assert.equal(thrownResult(Object.assign(new Error('x'), { statusCode: 302 }), { crossing: false }).status, 500, 'not an error status');
  assert.equal(thrownResult('a string', { crossing: false }).status, 500);
  const err = new Error('same object');
  assert.equal(thrownResult(err, { crossing: false }).error, err, 'not crossing: the object itself');
  assert.doesNotThrow(() => structuredClone(thrownResult(Object.assign(new Error('x'), { fn: () => 1 }), { crossing: true })), 'crossing: data only');
});

test('an unsendable value is a 500 that names the route and the reason', () => {
  const result = unsendableResult(new TypeError('Do not know how to serialize a BigInt'), 'GET /big', { crossing: true });
  assert.equal(result.status, 500);
  const err = unpackThrown(result.error) as Error & { code: string };
  assert.equal(err.code, 'GOPOOL_ERR_RESULT_NOT_SENDABLE');
  assert.ok(err.message.includes('GET /big') && err.message.includes('BigInt'), err.message);
});
