import assert from 'node:assert/strict';
import { test } from 'node:test';
import createError from '@fastify/error';
import { HttpError } from '../../../src/api/reply';
import { packThrown, unpackThrown } from '../../../src/dispatch/thrown-error';

/** What crossing to another thread does to a value. */
const cross = <T>(value: T): T => structuredClone(value);

test('an error crosses with its name, message, stack and the properties error handlers read', () => {
  const thrown = Object.assign(new TypeError('bad input'), { validation: [{ field: 'name' }], extra: 42 });
  const back = unpackThrown(cross(packThrown(thrown)));
  assert.ok(back instanceof Error);
  assert.equal(back.name, 'TypeError');
  assert.equal(back.message, 'bad input');
  assert.equal(back.stack, thrown.stack);
  assert.deepEqual((back as unknown as { validation: unknown }).validation, [{ field: 'name' }]);
  assert.equal((back as unknown as { extra: number }).extra, 42);
});

test("the code and status of @fastify/error and gopool's HttpError survive (they are not own enumerable properties there)", () => {
  const AppError = createError('APP_TEAPOT', 'teapot %s', 418);
  const back = unpackThrown(cross(packThrown(new AppError('here')))) as Error & { code: string; statusCode: number };
  assert.equal(back.code, 'APP_TEAPOT');
  assert.equal(back.statusCode, 418);
  assert.equal(back.message, 'teapot here');
  const http = unpackThrown(cross(packThrown(new HttpError(404, 'no such user', { headers: { 'x-why': 'gone' } })))) as Error & {
    statusCode: number;
    expose: boolean;
    headers: unknown;
  };
  assert.equal(http.statusCode, 404);
  assert.equal(http.expose, true);
  assert.deepEqual(http.headers, { 'x-why': 'gone' });
});

test('what cannot cross is left behind, the rest still crosses', () => {
  const thrown = Object.assign(new Error('with a socket'), { callback: () => 1, status: 409 });
  const packed = packThrown(thrown);
  assert.doesNotThrow(() => cross(packed));
  const back = unpackThrown(cross(packed)) as Error & { status: number; callback?: unknown };
  assert.equal(back.status, 409);
  assert.equal(back.callback, undefined);
});

test('a thrown non-error becomes an Error with its text', () => {
  const back = unpackThrown(cross(packThrown('just a string')));
  assert.ok(back instanceof Error);
  assert.equal(back.message, 'just a string');
  assert.equal(unpackThrown(42).message, '42');
});

test('an error that never crossed is handed back as the same object', () => {
  const thrown = new RangeError('kept');
  assert.equal(unpackThrown(thrown), thrown);
});
