import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpError, httpError, isReply, reply } from '../../../src/api/reply';

test('reply() describes a response; it is recognized by its brand, as another copy of gopool would make it', () => {
  const r = reply({ id: 1 }, { status: 201, headers: { location: '/items/1' } });
  assert.ok(isReply(r));
  assert.deepEqual([r.body, r.status, r.headers], [{ id: 1 }, 201, { location: '/items/1' }]);
  assert.ok(isReply({ [Symbol.for('gopool.reply')]: true }), 'a Reply of another copy');
  for (const other of [null, undefined, 'x', { status: 201 }, { body: 1 }]) assert.equal(isReply(other), false);
});

test('HttpError: 4xx messages are shown, 5xx not unless asked', () => {
  const notFound = httpError(404, 'no such user');
  assert.ok(notFound instanceof HttpError && notFound instanceof Error);
  assert.deepEqual([notFound.statusCode, notFound.message, notFound.expose], [404, 'no such user', true]);
  assert.equal(new HttpError(502).expose, false);
  assert.equal(new HttpError(503, 'try later', { expose: true, headers: { 'retry-after': 3 } }).expose, true);
});
