import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { AppDefinition, definitionOf, SETUP_METHODS } from '../../../src/api/app-definition';

test("the set-up calls are replayed on a fastify instance in the user's order", async () => {
  const definition = new AppDefinition();
  const order: string[] = [];
  definition.record('decorateRequest', ['user', null]);
  definition.record('addHook', [
    'onRequest',
    async () => {
      order.push('first hook');
    },
  ]);
  definition.record('addHook', [
    'onRequest',
    async (req: { user: unknown }) => {
      order.push('second hook');
      req.user = 'ada';
    },
  ]);
  definition.record('addSchema', [{ $id: 'shared', type: 'string' }]);
  const app = Fastify();
  try {
    definition.applyTo(app);
    app.get('/', async (req) => ({ user: (req as unknown as { user: unknown }).user }));
    assert.deepEqual((await app.inject('/')).json(), { user: 'ada' });
    assert.deepEqual(order, ['first hook', 'second hook']);
    assert.ok(app.getSchema('shared'), 'the shared schema is on the instance');
  } finally {
    await app.close();
  }
  assert.deepEqual(
    definition.setup.map((call) => call.method),
    ['decorateRequest', 'addHook', 'addHook', 'addSchema'],
  );
});

test('shared schemas and an error handler are visible to the code that starts the server', () => {
  const definition = new AppDefinition();
  assert.equal(definition.hasErrorHandler, false);
  definition.record('addSchema', [{ $id: 'a' }]);
  definition.record('setErrorHandler', [() => undefined]);
  definition.record('addSchema', [{ $id: 'b' }]);
  assert.deepEqual(definition.sharedSchemas, [{ $id: 'a' }, { $id: 'b' }]);
  assert.equal(definition.hasErrorHandler, true);
});

test('frozen by a start, the definition refuses set-up calls and routes alike', () => {
  const definition = new AppDefinition();
  definition.freeze('the server started');
  assert.throws(() => definition.record('register', [async () => undefined]), { code: 'GOPOOL_ERR_SETUP_AFTER_START' });
  assert.throws(() => definition.routes.add('GET', '/', {}, () => null), { code: 'GOPOOL_ERR_ROUTE_AFTER_START' });
});

test('every set-up method is a method of a fastify instance', () => {
  const app = Fastify();
  for (const method of SETUP_METHODS) assert.equal(typeof (app as unknown as Record<string, unknown>)[method], 'function', method);
  void app.close();
});

test('one definition per object, not enumerable: copies of gopool share it, users do not see it', () => {
  const gopool = {};
  assert.equal(definitionOf(gopool), definitionOf(gopool));
  assert.notEqual(definitionOf({}), definitionOf(gopool));
  assert.deepEqual(Object.keys(gopool), []);
});
