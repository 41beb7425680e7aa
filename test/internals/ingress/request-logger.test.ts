// request.log and reply.log on a fastify made as an ingress thread makes it (no logger of its
// own): made on first use, with the request id, the route's level and the plugin's serializers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { defaults } from '../../../src/config/resolve-options';
import { createFastify } from '../../../src/ingress/create-fastify';

function ingressFastify(): { app: FastifyInstance; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = createFastify({ ...defaults(), port: 0 }, log, { role: 'ingress', appCode: true });
  return { app, lines };
}

test("a hook's request.log and reply.log write the thread's lines with the request id", async () => {
  const { app, lines } = ingressFastify();
  let same = false;
  app.addHook('onRequest', async (request, reply) => {
    request.log.info({ marker: 'hook' }, 'a hook logged');
    same = reply.log === request.log;
    reply.log.warn({ marker: 'reply' }, 'a reply logged');
  });
  app.get('/', async (request) => ({ id: request.id }));
  try {
    const first = (await app.inject('/')).json() as { id: string };
    const second = (await app.inject('/')).json() as { id: string };
    assert.notEqual(first.id, second.id);
    for (const { id } of [first, second]) {
      const hook = lines.find((l) => l.marker === 'hook' && l.reqId === id);
      assert.ok(hook, `the hook's line of ${id}`);
      assert.equal(hook.component, 'http');
      assert.ok(lines.some((l) => l.marker === 'reply' && l.reqId === id && l.level === 40));
    }
    assert.equal(same, true, 'reply.log is the request logger');
  } finally {
    await app.close();
  }
});

test("a route's logLevel and a plugin's logSerializers apply, and a logger a hook assigns is kept", async () => {
  const { app, lines } = ingressFastify();
  app.get('/quiet', { logLevel: 'warn' }, async (request) => {
    request.log.info({ marker: 'quiet-info' }, 'filtered');
    request.log.warn({ marker: 'quiet-warn' }, 'kept');
    return {};
  });
  await app.register(
    async (scope) => {
      scope.get('/user', async (request) => {
        request.log.info({ marker: 'user', user: { name: 'ada', password: 'secret' } }, 'serialized');
        return {};
      });
    },
    { logSerializers: { user: (user: { name: string }) => user.name } },
  );
  app.get('/bound', async (request, reply) => {
    request.log = request.log.child({ tenant: 't1' });
    request.log.info({ marker: 'bound' }, 'with the tenant');
    reply.log.info({ marker: 'bound-reply' }, 'reply after the assignment');
    return {};
  });
  try {
    await app.inject('/quiet');
    await app.inject('/user');
    await app.inject('/bound');
    assert.equal(
      lines.some((l) => l.marker === 'quiet-info'),
      false,
    );
    assert.ok(lines.some((l) => l.marker === 'quiet-warn'));
    assert.equal(lines.find((l) => l.marker === 'user')?.user, 'ada');
    assert.equal(lines.find((l) => l.marker === 'bound')?.tenant, 't1');
    assert.equal(lines.find((l) => l.marker === 'bound-reply')?.tenant, 't1', 'reply.log follows request.log');
  } finally {
    await app.close();
  }
});

test('fastify keeps its own child-logger factory: it checks the logger any other returns, on every request', async () => {
  const { app } = ingressFastify();
  const plain = Fastify();
  try {
    assert.equal(app.childLoggerFactory, plain.childLoggerFactory);
  } finally {
    await app.close();
    await plain.close();
  }
});
