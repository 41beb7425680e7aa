import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { deferSchemaCompilers } from '../../../src/ingress/deferred-schema-compilers';

const SOURCE = join(__dirname, '..', '..', '..', 'src', 'ingress', 'deferred-schema-compilers.ts');

/** Runs `body` in a fresh node (the require cache of this process has Ajv loaded by other tests); its stdout, parsed. */
function inFreshProcess(body: string): Record<string, unknown> {
  const script = `
    const loaded = (file) => Object.keys(require.cache).some((path) => path.endsWith('/node_modules/' + file));
    require(${JSON.stringify(SOURCE)}).deferSchemaCompilers();
    const fastify = require('fastify');
    (async () => { ${body} })().then((out) => process.stdout.write(JSON.stringify(out)), (err) => { console.error(err); process.exit(1); });
  `;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 30_000 })) as Record<string, unknown>;
}

test('a fastify instance without schemas loads neither Ajv nor fast-json-stringify; the first schema loads them', () => {
  const seen = inFreshProcess(`
    const bare = fastify({ logger: false });
    bare.get('/', async () => ({ ok: true }));
    await bare.ready();
    // fastify's error serializer is fast-json-stringify's runtime (lib/serializer.js), not its compiler (index.js).
    const before = { ajv: loaded('ajv/dist/ajv.js'), fjs: loaded('fast-json-stringify/index.js'), answer: (await bare.inject('/')).json() };
    const typed = fastify({ logger: false });
    typed.post('/', { schema: { body: { type: 'object', required: ['n'] }, response: { 200: { type: 'object', properties: { n: { type: 'number' } } } } } }, async (req) => req.body);
    await typed.ready();
    const bad = await typed.inject({ method: 'POST', url: '/', payload: {} });
    return { before, after: { ajv: loaded('ajv/dist/ajv.js'), fjs: loaded('fast-json-stringify/index.js') }, badStatus: bad.statusCode };
  `);
  assert.deepEqual(seen.before, { ajv: false, fjs: false, answer: { ok: true } });
  assert.deepEqual(seen.after, { ajv: true, fjs: true }, 'loaded once a route has a schema');
  assert.equal(seen.badStatus, 400, 'and the schema validates');
});

test('schemas work as with fastify’s own compilers: body, query, header names in any case, response', async () => {
  deferSchemaCompilers();
  const app = Fastify({ logger: false });
  app.post(
    '/items',
    {
      schema: {
        body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } }, additionalProperties: false },
        querystring: { type: 'object', properties: { n: { type: 'integer' } } },
        // Written with capitals: fastify lower-cases these names for its own compiler (Node
        // lower-cases the request's), not for one the app gives it.
        headers: { type: 'object', required: ['X-Token'], properties: { 'X-Token': { type: 'string' } } },
        response: { 200: { type: 'object', properties: { name: { type: 'string' }, n: { type: 'integer' } } } },
      },
    },
    async (req) => ({ ...(req.body as object), n: (req.query as { n: number }).n, secret: 'not in the schema' }),
  );
  try {
    const ok = await app.inject({ method: 'POST', url: '/items?n=7', headers: { 'x-token': 't' }, payload: { name: 'widget' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { name: 'widget', n: 7 }, 'the query coerced, the response serialized by its schema');
    const noToken = await app.inject({ method: 'POST', url: '/items', payload: { name: 'widget' } });
    assert.equal(noToken.statusCode, 400);
    assert.match(noToken.json().message, /x-token/i);
    const badBody = await app.inject({ method: 'POST', url: '/items', headers: { 'x-token': 't' }, payload: { name: '' } });
    assert.equal(badBody.statusCode, 400);
    assert.match(badBody.json().message, /body\/name/);
  } finally {
    await app.close();
  }
});

test('the stand-ins hand the rest of each module to the real one', () => {
  deferSchemaCompilers();
  const fromFastify = createRequire(require.resolve('fastify'));
  const ajvCompiler = fromFastify('@fastify/ajv-compiler') as Record<string, unknown>;
  assert.equal(ajvCompiler.AjvReference, Symbol.for('fastify.ajv-compiler.reference'));
  assert.equal(typeof ajvCompiler.StandaloneValidator, 'function');
  const serializerCompiler = fromFastify('@fastify/fast-json-stringify-compiler') as Record<string, unknown>;
  assert.equal(typeof serializerCompiler.SerializerSelector, 'function');
  assert.equal(typeof serializerCompiler.StandaloneSerializer, 'function');
});
