// The jsonDepthLimit holds whatever parser reads a JSON body: gopool's, an app's own (which
// replaces gopool's, as in fastify), one that reads the stream itself or takes a Buffer. A body
// nested deeper than the limit gets 400 GOPOOL_ERR_JSON_TOO_DEEP, on inline and pooled routes;
// and gopool's parser, declared again with `emptyBody`, takes a body-less JSON request.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, startApp } from './helpers/processes';

const APP = join(FIXTURES, 'json-parsers-app.js');
// One ingress thread: the inline route's cost is learned there, once.
const ARGS = ['--info-url', '/_info', '--ingress-threads', '1', '--max-threads', '1', '--cheap-route-ms', '50'];

const nested = (depth: number) => `${'['.repeat(depth - 1)}{"deep":true}${']'.repeat(depth - 1)}`;
const post = (url: string, body: string, contentType = 'application/json') =>
  get(url, { method: 'POST', headers: { 'content-type': contentType, connection: 'close' }, ...(body === '' ? {} : { body }) });

/** Warms the inline route until the ingress thread runs it (its cost is learned on the pool first). */
async function inlineOnIngress(app: App): Promise<void> {
  const ingress = await until(async () => {
    const threads = (await get(`${app.url}/_info`)).json().threads as Array<{ role: string; threadId: number }>;
    return threads.find((t) => t.role === 'ingress')?.threadId;
  });
  await until(async () => (await post(`${app.url}/inline`, '{"a":1}')).json().threadId === ingress);
}

async function depthLimitHolds(app: App, contentType: string): Promise<void> {
  for (const route of ['inline', 'pool']) {
    const ok = await post(`${app.url}/${route}`, nested(128), contentType);
    assert.equal(ok.status, 200, `${contentType} 128 levels on /${route}: ${ok.text}`);
    assert.equal(ok.json().depth, 128);
    for (const depth of [129, 200, 2000]) {
      const refused = await post(`${app.url}/${route}`, nested(depth), contentType);
      assert.equal(refused.status, 400, `${contentType} ${depth} levels on /${route}`);
      assert.equal(refused.json().code, 'GOPOOL_ERR_JSON_TOO_DEEP', `${contentType} ${depth} levels on /${route}: ${refused.text}`);
      assert.match(refused.json().message, /deeper than 128 levels/);
    }
  }
}

describe("an app's own JSON parsers", () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ARGS, { JSON_PARSERS: 'own' });
    await inlineOnIngress(app);
  });
  after(() => app.stop());

  test('a string parser (the one of the report): 128 levels pass, 129, 200 and 2000 get 400', () => depthLimitHolds(app, 'application/json'));
  test('a parser that reads the stream itself: the same', () => depthLimitHolds(app, 'application/vnd.api+json'));
  test('a parser that takes a Buffer: the same', () => depthLimitHolds(app, 'application/x-bytes+json'));
  test('what the parser accepts beyond that is its own: an empty body', async () => {
    for (const route of ['inline', 'pool']) assert.deepEqual((await post(`${app.url}/${route}`, '')).json().body, {});
  });
});

describe("gopool's JSON parser declared again: gopool.jsonParser({ emptyBody: {} })", () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ARGS, { JSON_PARSERS: 'gopool' });
    await inlineOnIngress(app);
  });
  after(() => app.stop());

  test('a JSON request without a body gets {}, on every route', async () => {
    for (const route of ['inline', 'pool']) {
      const r = await post(`${app.url}/${route}`, '');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json().body, {});
    }
  });
  test('the depth limit and the rest of gopool’s parser are kept', async () => {
    await depthLimitHolds(app, 'application/json');
    const malformed = await post(`${app.url}/pool`, '{"a":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY');
    const poisoned = await post(`${app.url}/pool`, '{"__proto__":{"x":1}}');
    assert.equal(poisoned.status, 400, 'prototype poisoning is refused, as by fastify');
  });
});
