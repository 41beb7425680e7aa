import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { jsonBodyParser, nestingDepth, nestingDepthOfBytes, valueDepth } from '../../../src/ingress/json-body';

test('nestingDepth counts arrays and objects, not brackets inside strings', () => {
  assert.equal(nestingDepth('1', 10), 0);
  assert.equal(nestingDepth('{"a":[1,{"b":2}]}', 10), 3);
  assert.equal(nestingDepth('[[],[[]],[]]', 10), 3);
  assert.equal(nestingDepth('{"text":"[[[{{{"}', 10), 1, 'brackets in a string do not nest');
  assert.equal(nestingDepth('{"q":"a \\" [[[ b"}', 10), 1, 'an escaped quote does not end the string');
  assert.equal(nestingDepth('["\\\\", [1]]', 10), 2, 'an escaped backslash before the closing quote');
});

test('nestingDepth stops counting past the limit', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(nestingDepth(deep, 128), 129);
});

test('nestingDepthOfBytes counts the same over UTF-8 bytes, multi-byte characters included', () => {
  for (const text of ['1', '{"a":[1,{"b":2}]}', '{"text":"[[[{{{"}', '{"q":"a \\" [[[ b"}', '["é€😀", [{"ü":["[", 1]}]]']) {
    assert.equal(nestingDepthOfBytes(Buffer.from(text), 10), nestingDepth(text, 10), text);
  }
  assert.equal(nestingDepthOfBytes(Buffer.from('['.repeat(10_000)), 128), 129);
});

test('valueDepth measures a parsed value without recursion, up to the limit', () => {
  assert.equal(valueDepth('text', 10), 0);
  assert.equal(valueDepth(null, 10), 0);
  assert.equal(valueDepth({ a: [1, { b: 2 }] }, 10), 3);
  assert.equal(valueDepth(new Map([['k', [[1]]]]), 10), 3);
  assert.equal(valueDepth(Buffer.alloc(4), 10), 1, 'bytes are a leaf');
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(valueDepth(deep, 128), 129);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(valueDepth(cyclic, 128), 1, 'an object met twice counts once');
});

test('emptyBody: an empty JSON body parses to a copy of it, others as before', async () => {
  const app = Fastify();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(app, 4, { emptyBody: { none: [] } }));
  const seen: unknown[] = [];
  app.post('/', async (req) => {
    seen.push(req.body);
    return { got: req.body };
  });
  const post = (payload?: string) =>
    app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload }) });
  try {
    assert.deepEqual((await post()).json(), { got: { none: [] } });
    assert.deepEqual((await post()).json(), { got: { none: [] } });
    assert.notEqual(seen[0], seen[1], 'a copy for each request');
    assert.equal((await post('[[[[["five"]]]]]')).json().code, 'GOPOOL_ERR_JSON_TOO_DEEP');
  } finally {
    await app.close();
  }
});

/** A real fastify with gopool's JSON parser, echoing what it parsed; `post` sends it a JSON text. */
function echoApp(depthLimit: number) {
  const app = Fastify();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(app, depthLimit));
  app.post('/', async (req) => ({ got: req.body }));
  const post = (payload: string) => app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload });
  return { app, post };
}

test('the parser refuses a body nested past the limit with 400 and parses the rest as fastify does', async () => {
  const { app, post } = echoApp(4);
  try {
    assert.deepEqual((await post('{"a":[[1]]}')).json(), { got: { a: [[1]] } });
    const deep = await post('[[[[["five"]]]]]');
    assert.equal(deep.statusCode, 400);
    assert.equal(deep.json().code, 'GOPOOL_ERR_JSON_TOO_DEEP');
    const poisoned = await post('{"__proto__":{"x":1}}');
    assert.equal(poisoned.statusCode, 400, "fastify's prototype-poisoning check still runs");
    assert.equal((await post('{"a":')).statusCode, 400, 'invalid JSON');
  } finally {
    await app.close();
  }
});

test('a limit of 0 checks no depth', async () => {
  const { app, post } = echoApp(0);
  try {
    assert.deepEqual((await post('[[[[[[1]]]]]]')).json(), { got: [[[[[[1]]]]]] });
  } finally {
    await app.close();
  }
});
