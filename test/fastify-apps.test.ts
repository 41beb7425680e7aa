// A real fastify app on gopool: plugins from npm (cors, helmet, cookie, jwt, rate-limit), an
// auth hook, shared and route schemas, the app's error and not-found handlers and JSON parser,
// and the handler's request context (id, log, signal, ip, cookies, what the hooks found), on
// pooled, inline and master routes, with two ingress threads, with one, and in single mode.
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, postJson, until } from './helpers/http';
import { type App, FIXTURES, logRecords, run, startApp, whenListening } from './helpers/processes';

const APP = join(FIXTURES, 'fastify-app.js');
const COMMON = ['--info-url', '/_info', '--max-threads', '2', '--trust-proxy', '127.0.0.1'];
const modes: Array<{ name: string; pool: boolean; ingress: boolean; start: () => Promise<App> }> = [
  {
    name: 'with ingress threads',
    pool: true,
    ingress: true,
    start: () => startApp(APP, [...COMMON, '--min-ingress-threads', '2', '--ingress-threads', '2', '--cheap-route-ms', '50']),
  },
  {
    name: 'with one ingress thread',
    pool: true,
    ingress: false,
    start: () => startApp(APP, [...COMMON, '--ingress-threads', '1']),
  },
  {
    name: 'in single mode',
    pool: false,
    ingress: false,
    start: () =>
      whenListening(run(process.execPath, [join(FIXTURES, 'fastify-single.js')], { env: { GOPOOL_INFO_URL: '/_info', GOPOOL_TRUST_PROXY: '127.0.0.1' } })),
  },
];

/** A server that records what handlers tell it (`?what=...`), for the signal tests. */
async function callbackServer(): Promise<{ url: string; seen: string[]; close: () => void }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(new URL(req.url!, 'http://x').searchParams.get('what') ?? '');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, seen, close: () => server.close() };
}

for (const mode of modes) {
  describe(`a fastify app ${mode.name}`, () => {
    let app: App;
    let token: string;
    const info = async () => (await get(`${app.url}/_info`)).json();
    const threadsOf = async (role: string): Promise<number[]> =>
      (await info()).threads.filter((t: { role: string }) => t.role === role).map((t: { threadId: number }) => t.threadId);
    const completed = async () => (await info()).pool?.completed ?? 0;

    before(async () => {
      app = await mode.start();
      if (mode.ingress) await until(async () => (await threadsOf('ingress')).length === 2);
      token = (await postJson(`${app.url}/api/login`, { name: 'ada' })).json().token;
    });
    after(() => app.stop());

    test('plugins and hooks apply to pooled, inline and master routes', async () => {
      for (const path of ['/api/pool/hello', '/api/auto/hello', '/api/master/hello']) {
        for (let i = 0; i < 5; i++) {
          const r = await get(`${app.url}${path}`, { headers: { origin: 'https://front.example', cookie: 'session=abc; theme=dark' } });
          assert.equal(r.status, 200, path);
          assert.equal(r.headers.get('access-control-allow-origin'), 'https://front.example', `cors on ${path}`);
          assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `helmet on ${path}`);
          assert.equal(r.headers.get('x-app-hook'), 'onSend', `the app's onSend hook on ${path}`);
          assert.deepEqual(r.json().cookies, { session: 'abc', theme: 'dark' }, `cookies on ${path}`);
        }
        const preflight = await get(`${app.url}${path}`, {
          method: 'OPTIONS',
          headers: { origin: 'https://front.example', 'access-control-request-method': 'GET' },
        });
        assert.equal(preflight.status, 204, `cors preflight on ${path}`);
      }
    });

    if (mode.ingress) {
      test('auto routes run inline on the ingress thread that accepted them, pooled ones on worker threads', async () => {
        const ingress = await threadsOf('ingress');
        const pool = await threadsOf('pool');
        const inline = await until(async () => {
          // A fresh connection each time: the kernel picks the accepting thread.
          const r = await get(`${app.url}/api/auto/hello`, { headers: { connection: 'close' } });
          return ingress.includes(r.json().threadId);
        });
        assert.ok(inline);
        for (let i = 0; i < 5; i++) assert.ok(pool.includes((await get(`${app.url}/api/pool/hello`, { headers: { connection: 'close' } })).json().threadId));
      });
    }

    test('what a hook found reaches the handler (requestGetter); a hook that answers 401 never reaches a thread', async () => {
      for (const path of ['/api/user', '/api/user/inline']) {
        const r = await get(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(r.status, 200);
        assert.deepEqual({ id: r.json().user.id, name: r.json().user.name }, { id: 7, name: 'ada' });
      }
      const before = await completed();
      for (let i = 0; i < 10; i++) {
        const r = await get(`${app.url}/api/user`);
        assert.equal(r.status, 401);
        assert.equal(r.json().code, 'FST_JWT_NO_AUTHORIZATION_IN_HEADER', 'the app error handler shaped the hook error');
      }
      assert.equal(await completed(), before, 'no handler ran');
    });

    test("every answer is counted once under its route: the handlers', the app hooks', the errors and onMaster's routes", async () => {
      const routes = async () => (await info()).routes as Array<{ method: string; route: string; count: number; status: Record<string, number> }>;
      const of = async (key: string) => {
        const found = (await routes()).find((r) => `${r.method} ${r.route}` === key);
        return { count: found?.count ?? 0, ok: found?.status['2xx'] ?? 0, client: found?.status['4xx'] ?? 0 };
      };
      for (let i = 0; i < 6; i++) {
        assert.equal((await get(`${app.url}/api/user/counted`)).status, 401, 'answered by the app hook (@fastify/jwt)');
        assert.equal(
          (await get(`${app.url}/api/user/counted`, { headers: { authorization: `Bearer ${token}` } })).status,
          200,
          'answered by the handler, through an async onSend hook of the app',
        );
        assert.equal((await get(`${app.url}/api/counted/throw`)).status, 418, 'a handler that threw');
        assert.equal((await get(`${app.url}/api/master/counted`)).status, 200, "a route of the app's onMaster");
      }
      await until(
        async () =>
          (await of('GET /api/user/counted')).count >= 12 &&
          (await of('GET /api/counted/throw')).count >= 6 &&
          (await of('GET /api/master/counted')).count >= 6,
      );
      // One more answer, then the counts again: an answer counted twice would show by now.
      await get(`${app.url}/api/counted/throw`);
      await until(async () => (await of('GET /api/counted/throw')).count >= 7);
      assert.deepEqual(await of('GET /api/user/counted'), { count: 12, ok: 6, client: 6 }, "the handler's 200s and the hook's 401s");
      assert.deepEqual(await of('GET /api/counted/throw'), { count: 7, ok: 0, client: 7 }, "the throw's 418s");
      assert.deepEqual(await of('GET /api/master/counted'), { count: 6, ok: 6, client: 0 }, "onMaster's route");
    });

    test('route schemas: each part is validated before any thread is used; the response schema serializes', async () => {
      for (const runOn of ['pool', 'auto']) {
        const url = `${app.url}/api/${runOn}/articles`;
        const ok = await postJson(
          `${url}/a-slug?limit=5`,
          { title: 'Hello', body: 'text' },
          { headers: { 'content-type': 'application/json', 'x-api-version': '2' } },
        );
        assert.equal(ok.status, 201);
        const body = ok.json();
        assert.equal(body.slug, 'a-slug');
        assert.equal(body.title, 'Hello');
        assert.equal(body.secret, undefined, 'properties outside the response schema are dropped');
        assert.equal(body.limit, undefined);
        const before = await completed();
        const cases: Array<[string, string, Record<string, string>, unknown]> = [
          ['body', `${url}/a-slug`, {}, { body: 'no title' }],
          ['params', `${url}/Not_A_Slug`, {}, { title: 'x' }],
          ['querystring', `${url}/a-slug?limit=50`, {}, { title: 'x' }],
          ['headers', `${url}/a-slug`, { 'x-api-version': '9' }, { title: 'x' }],
        ];
        for (const [part, target, headers, payload] of cases) {
          const r = await postJson(target, payload, { headers: { 'content-type': 'application/json', ...headers } });
          assert.equal(r.status, 422, `${part} is validated`);
          assert.match(r.json().errors.body[0], new RegExp(`^${part}`), r.text);
        }
        if (mode.pool) assert.equal(await completed(), before, 'invalid requests never reach a thread');
      }
    });

    test("errors thrown on any thread reach the app's error handler with their code and properties", async () => {
      for (const runOn of ['pool', 'auto']) {
        const r = await postJson(`${app.url}/api/${runOn}/taken`, {});
        assert.equal(r.status, 409);
        assert.deepEqual({ ...r.json(), thread: typeof r.json().thread }, { errors: { body: ['that name is taken'] }, code: 'APP_TAKEN', thread: 'number' });
        const teapot = await get(`${app.url}/api/default-errors/${runOn}`);
        assert.equal(teapot.status, 418);
        assert.deepEqual(teapot.json(), { statusCode: 418, code: 'APP_TEAPOT', error: "I'm a Teapot", message: 'teapot' });
      }
      const missing = await get(`${app.url}/no/such/route`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json(), { errors: { body: ['no route GET /no/such/route'] } }, "the app's not-found handler");
    });

    test("the error handler sees what a handler threw as its own class, built-in or the app's, from any thread", async () => {
      for (const runOn of ['pool', 'auto', 'master']) {
        for (let i = 0; i < 3; i++) {
          const conflict = await get(`${app.url}/api/${runOn}/api-error`);
          assert.equal(conflict.status, 409, `${runOn}: ${conflict.text}`);
          assert.deepEqual(conflict.json(), { class: 'ApiError', gone: false, detail: { field: 'name' }, described: 'ApiError 409: conflict' }, runOn);
          const gone = await get(`${app.url}/api/${runOn}/gone`);
          assert.equal(gone.status, 410, `${runOn}: ${gone.text}`);
          assert.deepEqual(gone.json(), { class: 'Gone', gone: true, detail: { since: 2020 }, described: 'ApiError 410: gone' }, runOn);
          const typeError = await get(`${app.url}/api/${runOn}/type-error`);
          assert.equal(typeError.status, 500);
          assert.equal(typeError.json().class, 'TypeError', `${runOn}: ${typeError.text}`);
        }
      }
    });

    test("a handler reaches the app's plugin decorations through request.server, on any thread", async () => {
      for (const runOn of ['pool', 'auto', 'master']) {
        const signed = await get(`${app.url}/api/${runOn}/sign`);
        assert.equal(signed.status, 200, signed.text);
        const user = await get(`${app.url}/api/user`, { headers: { authorization: `Bearer ${signed.json().token}` } });
        assert.equal(user.status, 200, 'the token verifies: the same secret, through the same plugin');
        assert.equal(user.json().user.name, `signed-on-${runOn}`);
      }
    });

    test("the app's JSON parser accepts an empty body (as the RealWorld suite sends on DELETE)", async () => {
      for (const runOn of ['pool', 'auto']) {
        const r = await get(`${app.url}/api/${runOn}/articles/x`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 200);
        assert.deepEqual(r.json().body, {});
      }
    });

    test("the handler's log writes gopool's JSON lines with the request id, from any thread", async () => {
      for (const runOn of ['pool', 'auto']) {
        const { id } = (await get(`${app.url}/api/${runOn}/log`)).json();
        assert.match(id, /^req-/);
        const line = await until(async () => logRecords(app.lines).find((r) => r.msg === 'a handler logged' && r.reqId === id));
        assert.equal(line.marker, `log-${runOn}`);
        assert.equal(typeof line.role, 'string');
      }
    });

    test("request.log in the app's hooks writes gopool's lines with the request id, on every accepting thread", async () => {
      for (let i = 0; i < 10; i++) {
        const marker = `hook-${i}`;
        const { id } = (await get(`${app.url}/api/auto/hello?hooklog=${marker}`, { headers: { connection: 'close' } })).json();
        const line = await until(async () => logRecords(app.lines).find((r) => r.marker === marker));
        assert.equal(line.reqId, id);
      }
    });

    test('the signal aborts at the timeout and when the client goes away', async () => {
      const callbacks = await callbackServer();
      try {
        for (const runOn of ['pool', 'auto']) {
          callbacks.seen.length = 0;
          const timedOut = await get(`${app.url}/api/${runOn}/wait?callback=${encodeURIComponent(callbacks.url)}`);
          assert.equal(timedOut.status, 504);
          // Both of its callbacks, before the next request's: its 'started' may come last.
          await until(async () => callbacks.seen.includes('aborted:GOPOOL_ERR_TIMEOUT') && callbacks.seen.includes('started'));
          callbacks.seen.length = 0;
          const controller = new AbortController();
          const leaving = fetch(`${app.url}/api/${runOn}/wait?callback=${encodeURIComponent(callbacks.url)}`, { signal: controller.signal }).catch(
            (err: Error) => err,
          );
          await until(async () => callbacks.seen.includes('started'));
          controller.abort();
          await leaving;
          await until(async () => callbacks.seen.includes('aborted:GOPOOL_ERR_CLIENT_GONE'));
        }
      } finally {
        callbacks.close();
      }
    });

    test("a route's onSend hook that fails: the error answered as fastify answers it, in JSON", async () => {
      // What plain fastify 5 sends here: the error's status and fastify's own error body.
      // Several: the first runs on a pool thread for its cost, the rest inline once measured.
      for (let i = 0; i < 8; i++) {
        const r = await get(`${app.url}/api/onsend-fails`);
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
        assert.deepEqual(r.json(), { statusCode: 503, error: 'Service Unavailable', message: 'onSend failed' });
      }
    });

    test('ip honours trustProxy', async () => {
      const direct = await get(`${app.url}/api/pool/hello`);
      assert.equal(direct.json().ip, '127.0.0.1');
      const proxied = await get(`${app.url}/api/pool/hello`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(proxied.json().ip, '203.0.113.9');
    });

    test('rate limit (its in-memory store is per accepting thread)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12 && !statuses.includes(429); i++) statuses.push((await get(`${app.url}/api/pool/limited`)).status);
      assert.ok(statuses.includes(429), `statuses: ${statuses}`);
      assert.ok(statuses.slice(0, 3).every((s) => s === 200));
    });
  });
}
