// gopool's default error handler on a real fastify instance, through inject.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { HttpError } from '../../../src/api/reply';
import { ERR_QUEUE_FULL, ERR_TIMEOUT } from '../../../src/errors';
import { defaultErrorHandler } from '../../../src/ingress/error-handler';

async function answerTo(
  thrown: unknown,
  setup?: (app: FastifyInstance) => void,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown>; logged: Array<Record<string, unknown>> }> {
  const logged: Array<Record<string, unknown>> = [];
  const stream = {
    write: (line: string) => {
      logged.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const app = Fastify({ logger: { level: 'info', stream } });
  app.setErrorHandler(defaultErrorHandler(app.log));
  setup?.(app);
  app.get('/', async () => {
    throw thrown;
  });
  try {
    const r = await app.inject('/');
    return { status: r.statusCode, body: r.json(), headers: r.headers, logged: logged.filter((l) => (l.level as number) >= 40) };
  } finally {
    await app.close();
  }
}

test("an error's own status, code and message become fastify's error body", async () => {
  const { status, body, headers } = await answerTo(Object.assign(new Error('name is invalid'), { statusCode: 422, code: 'APP_INVALID' }));
  assert.equal(status, 422);
  assert.deepEqual(body, { statusCode: 422, code: 'APP_INVALID', error: 'Unprocessable Entity', message: 'name is invalid' });
  assert.match(String(headers['content-type']), /^application\/json/);
});

test('`status` counts like `statusCode`; a status outside 400-599 is a 500', async () => {
  assert.equal((await answerTo(Object.assign(new Error('x'), { status: 409 }))).status, 409);
  assert.equal((await answerTo(Object.assign(new Error('x'), { statusCode: 302 }))).status, 500);
  assert.equal((await answerTo(Object.assign(new Error('x'), { statusCode: 600 }))).status, 500);
});

test('a thrown non-error is a 500 with its text', async () => {
  const { status, body } = await answerTo('just text');
  assert.equal(status, 500);
  assert.equal(body.message, 'just text');
});

test('HttpError headers and expose are honoured', async () => {
  const hidden = await answerTo(new HttpError(503, 'database password wrong', { headers: { 'retry-after': '7' }, expose: false }));
  assert.equal(hidden.status, 503);
  assert.equal(hidden.body.message, 'Service Unavailable', 'not exposed: the status text instead');
  assert.equal(hidden.headers['retry-after'], '7');
  const shown = await answerTo(new HttpError(404, 'no such user'));
  assert.deepEqual(shown.body, { statusCode: 404, error: 'Not Found', message: 'no such user' });
});

test("gopool's own 5xx are one warning line with their code; any other 5xx is logged as an error with its stack", async () => {
  const queueFull = await answerTo(new ERR_QUEUE_FULL());
  assert.equal(queueFull.status, 503);
  assert.equal(queueFull.body.code, 'GOPOOL_ERR_QUEUE_FULL');
  assert.equal(queueFull.logged.length, 1);
  assert.equal(queueFull.logged[0]!.level, 40);
  assert.equal(queueFull.logged[0]!.code, 'GOPOOL_ERR_QUEUE_FULL');
  assert.equal(queueFull.logged[0]!.err, undefined, 'no stack for an expected answer under load');
  const timeout = await answerTo(new ERR_TIMEOUT(100));
  assert.equal(timeout.status, 504);
  const bug = await answerTo(new TypeError('undefined is not a function'));
  assert.equal(bug.logged[0]!.level, 50);
  assert.match(String((bug.logged[0]!.err as { stack: string }).stack), /TypeError/);
  assert.equal((await answerTo(Object.assign(new Error('bad request'), { statusCode: 400 }))).logged.length, 0, '4xx are not logged');
});

test('an error status already set on the reply is kept', async () => {
  const { status } = await answerTo(new Error('teapot'), (app) =>
    app.addHook('preHandler', async (_req, reply) => {
      reply.code(418);
    }),
  );
  assert.equal(status, 418);
});
