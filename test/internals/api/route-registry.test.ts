import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteRegistry } from '../../../src/api/route-registry';

const handler = () => null;

test('a route is keyed by method and path; all() is every method', () => {
  const routes = new RouteRegistry();
  const get = routes.add('GET', '/users/:id', { timeout: 500 }, handler);
  assert.equal(get.key, 'GET /users/:id');
  assert.deepEqual(get.methods, ['GET']);
  assert.deepEqual(get.options, { timeout: 500 });
  const all = routes.add('ALL', '/any', {}, handler);
  assert.deepEqual([...all.methods].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  assert.equal(routes.get('GET /users/:id'), get);
  assert.deepEqual(
    routes.list().map((r) => r.key),
    ['GET /users/:id', 'ALL /any'],
    'in the order registered',
  );
});

test('the options are copied: changing the object later changes nothing', () => {
  const routes = new RouteRegistry();
  const options = { timeout: 100 };
  const route = routes.add('GET', '/', options, handler);
  options.timeout = 1;
  assert.equal(route.options.timeout, 100);
});

test('bad paths, handlers and duplicates are coded errors', () => {
  const routes = new RouteRegistry();
  assert.throws(() => routes.add('GET', 'users', {}, handler), { code: 'GOPOOL_ERR_ROUTE_PATH' });
  assert.throws(() => routes.add('GET', 42 as never, {}, handler), { code: 'GOPOOL_ERR_ROUTE_PATH' });
  assert.doesNotThrow(() => routes.add('GET', '*', {}, handler), 'a catch-all');
  assert.throws(() => routes.add('GET', '/x', {}, 'not a function' as never), { code: 'GOPOOL_ERR_ROUTE_HANDLER' });
  routes.add('POST', '/x', {}, handler);
  assert.throws(() => routes.add('POST', '/x', {}, handler), { code: 'GOPOOL_ERR_ROUTE_DUPLICATE' });
  assert.doesNotThrow(() => routes.add('GET', '/x', {}, handler), 'another method on the same path');
});

test("route options: gopool's and fastify's, checked", () => {
  const routes = new RouteRegistry();
  let n = 0;
  const add = (options: unknown) => routes.add('GET', `/r${n++}`, options as never, handler);
  for (const good of [
    { timeout: 1 },
    { runOn: 'auto' },
    { runOn: 'pool' },
    { runOn: 'master' },
    { schema: { querystring: {} } },
    { config: { anything: true } },
    { bodyLimit: 10 },
    { logLevel: 'warn' },
    { onRequest: [handler, handler] },
    { preHandler: handler },
  ])
    assert.doesNotThrow(() => add(good), JSON.stringify(good));
  for (const bad of [
    null,
    { nope: 1 },
    { timeout: 0 },
    { timeout: 1.5 },
    { runOn: 'worker' },
    { schema: 'x' },
    { bodyLimit: -1 },
    { onSend: 'not a function' },
    { onResponse: [handler, 3] },
  ])
    assert.throws(() => add(bad), { code: 'GOPOOL_ERR_ROUTE_OPTION' }, JSON.stringify(bad));
});

test('once frozen, no route can be added', () => {
  const routes = new RouteRegistry();
  routes.add('GET', '/', {}, handler);
  routes.freeze('the server started');
  routes.freeze('a later reason');
  assert.throws(() => routes.add('GET', '/late', {}, handler), { code: 'GOPOOL_ERR_ROUTE_AFTER_START' });
  assert.equal(routes.list().length, 1);
});
