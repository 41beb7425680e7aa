// Every answer of a scope counted once: a gopool handler's by its route (marked, then counted
// where it is sent), the others (a hook's answer, a throw, fastify's own 400) as they are sent,
// through the replies' `send` or, on a fastify whose classes gopool cannot reach, an onSend hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { countHandlerAnswer, countOtherAnswers, markHandlerAnswer } from '../../../src/ingress/answer-counts';

type Counted = Array<[method: string, path: string, status: number]>;

async function countingApp(reachClasses: boolean): Promise<{ app: FastifyInstance; counted: Counted }> {
  const counted: Counted = [];
  const onAnswered = (method: string, path: string, status: number) => counted.push([method, path, status]);
  const app = Fastify();
  await app.register(async (scope) => {
    if (reachClasses) countOtherAnswers(scope, onAnswered);
    else countOtherAnswers(scope, onAnswered, undefined);
    scope.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization === 'no') return reply.code(401).send({ denied: true });
    });
    // What gopool-routes.ts does with a handler's answer.
    scope.get('/handled', (request, reply) => {
      markHandlerAnswer(request);
      reply.send({ ok: true });
      countHandlerAnswer(request, reply, '/handled', onAnswered);
    });
    scope.get('/throws', async () => {
      throw Object.assign(new Error('teapot'), { statusCode: 418 });
    });
    scope.post('/json', async (request) => request.body);
  });
  return { app, counted };
}

for (const reachClasses of [true, false]) {
  test(`each answer counted once, with its route and final status (${reachClasses ? "the replies' send" : 'an onSend hook'})`, async () => {
    const { app, counted } = await countingApp(reachClasses);
    try {
      assert.equal((await app.inject('/handled')).statusCode, 200);
      assert.equal((await app.inject({ url: '/handled', headers: { authorization: 'no' } })).statusCode, 401);
      assert.equal((await app.inject('/throws')).statusCode, 418);
      assert.equal((await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{"bad' })).statusCode, 400);
      assert.equal((await app.inject({ method: 'POST', url: '/json', payload: { fine: 1 } })).statusCode, 200);
      assert.deepEqual(counted, [
        ['GET', '/handled', 200],
        ['GET', '/handled', 401],
        ['GET', '/throws', 418],
        ['POST', '/json', 400],
        ['POST', '/json', 200],
      ]);
    } finally {
      await app.close();
    }
  });
}

test("the scope's replies count; a fastify outside the scope is left as it was", async () => {
  const { app, counted } = await countingApp(true);
  app.get('/outside', async () => ({ outside: true }));
  try {
    assert.equal((await app.inject('/outside')).statusCode, 200);
    assert.deepEqual(counted, []);
  } finally {
    await app.close();
  }
});
