// What handlers receive and how what they return or throw becomes a response,
// in pool mode (gopool start) and in single mode (node single-app.js).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, postJson } from './helpers/http';
import { type App, FIXTURES, logRecords, run, startApp, whenListening } from './helpers/processes';

// A small body limit: an oversize body then fits in the socket buffer, so the client reads
// the 413 instead of racing the server's close while it still writes.
const LIMITED = { GOPOOL_BODY_LIMIT: '4096' };
const modes: Array<[string, () => Promise<App>]> = [
  ['pool mode', () => startApp(join(FIXTURES, 'pool-app.js'), [], LIMITED)],
  ['single mode', () => whenListening(run(process.execPath, [join(FIXTURES, 'single-app.js')], { env: LIMITED }))],
];

for (const [mode, start] of modes) {
  describe(`responses in ${mode}`, () => {
    let app: App;
    before(async () => {
      app = await start();
    });
    after(() => app.stop());

    test('handler input: method, url, params, query, body, picked headers, ctx', async () => {
      const r = await get(`${app.url}/request/one/2?q=x&q=y&z=1`);
      assert.deepEqual(r.json(), { method: 'GET', url: '/request/one/2?q=x&q=y&z=1', params: { a: 'one', b: '2' }, query: { q: ['x', 'y'], z: '1' } });
      assert.deepEqual((await postJson(`${app.url}/echo`, { deep: { list: [1, { two: 2 }] } })).json(), { deep: { list: [1, { two: 2 }] } });
      assert.deepEqual((await get(`${app.url}/headers`, { headers: { 'x-pass': 'yes', 'x-drop': 'no' } })).json(), { 'x-pass': 'yes' });
      assert.deepEqual((await get(`${app.url}/ctx`)).json(), { fromMaster: { n: 42, list: [1, 2, 3] } });
      assert.deepEqual((await get(`${app.url}/env`)).json(), { fromMaster: 'set in onMaster' }, 'env set in onMaster is seen by handlers');
    });

    test('plain data is JSON; strings, Buffers and typed arrays are sent as they are', async () => {
      const text = await get(`${app.url}/return/text`);
      assert.equal(text.text, 'plain text');
      assert.match(text.headers.get('content-type')!, /^text\/plain/);
      const buffer = await get(`${app.url}/return/buffer`);
      assert.equal(buffer.text, 'bytes!');
      assert.equal(buffer.headers.get('content-type'), 'application/octet-stream');
      const typed = await fetch(`${app.url}/return/typed`);
      assert.deepEqual([...new Uint8Array(await typed.arrayBuffer())], [1, 0, 2, 0]);
      const nothing = await get(`${app.url}/return/nothing`);
      assert.equal(nothing.status, 204);
      assert.equal((await get(`${app.url}/return/null`)).text, 'null');
    });

    test('content types: JSON and text with their charset; a JSON type of the handler gets one as fastify gives it', async () => {
      assert.equal((await get(`${app.url}/request/one/2`)).headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal((await get(`${app.url}/return/text`)).headers.get('content-type'), 'text/plain; charset=utf-8');
      const hal = await get(`${app.url}/return/hal`);
      assert.equal(hal.headers.get('content-type'), 'application/hal+json; charset=utf-8');
      assert.deepEqual(hal.json(), { _links: {} });
    });

    test("ip: the connection's peer, on every request of a kept-alive connection; X-Forwarded-For ignored without trustProxy", async () => {
      // 40 requests: the first measured on a pool thread, the rest inline on an ingress thread, on the same connections.
      for (let i = 0; i < 40; i++) {
        const r = await get(`${app.url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
        assert.deepEqual(r.json(), { ip: '127.0.0.1' }, `request ${i}`);
      }
    });

    test('reply() sets status and headers', async () => {
      const r = await get(`${app.url}/return/reply`);
      assert.equal(r.status, 202);
      assert.equal(r.headers.get('content-type'), 'text/html');
      assert.equal(r.headers.get('x-custom'), 'yes');
      assert.equal(r.text, '<b>hi</b>');
    });

    test('thrown HTTP errors set the status; other errors are 500', async () => {
      const conflict = await get(`${app.url}/throw/http`);
      assert.equal(conflict.status, 409);
      assert.equal(conflict.headers.get('x-reason'), 'dup');
      assert.equal(conflict.json().message, 'already exists');
      assert.equal((await get(`${app.url}/throw/status-property`)).status, 410);
      const crash = await get(`${app.url}/throw`);
      assert.equal(crash.status, 500);
      assert.equal(crash.json().message, 'secret detail', 'outside production the message helps the developer');
    });

    test('error bodies are { statusCode, code, error, message }: a thrown code is kept, no stack ever', async () => {
      assert.deepEqual((await get(`${app.url}/throw/http`)).json(), { statusCode: 409, error: 'Conflict', message: 'already exists' });
      const coded = await get(`${app.url}/throw/coded`);
      assert.equal(coded.status, 422);
      assert.deepEqual(coded.json(), { statusCode: 422, code: 'APP_INVALID', error: 'Unprocessable Entity', message: 'name is invalid' });
      const upstream = await get(`${app.url}/throw/http-502`);
      assert.equal(upstream.status, 502);
      assert.deepEqual(Object.keys(upstream.json()).sort(), ['error', 'message', 'statusCode']);
      assert.deepEqual(Object.keys((await get(`${app.url}/throw`)).json()).sort(), ['error', 'message', 'statusCode']);
    });

    test('a return value that cannot be sent is a 500 with a clear log line', async () => {
      for (const path of ['/return/bigint', '/return/function']) {
        const r = await get(`${app.url}${path}`);
        assert.equal(r.status, 500, path);
        assert.equal(r.json().code, 'GOPOOL_ERR_RESULT_NOT_SENDABLE', path);
        // The log line names the route: the error's message says which one returned what.
        await app.waitForLine((line) => {
          const err = logRecords([line])[0]?.err as { code?: string; message?: string } | undefined;
          return err?.code === 'GOPOOL_ERR_RESULT_NOT_SENDABLE' && err.message?.includes(`GET ${path}`) === true;
        });
      }
    });

    test('every route method, and all()', async () => {
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        const r = await get(`${app.url}/verb`, { method });
        assert.deepEqual(r.json(), { verb: method.toLowerCase() });
      }
      const options = await get(`${app.url}/verb`, { method: 'OPTIONS' });
      assert.equal(options.status, 204);
      assert.equal(options.headers.get('allow'), 'PUT, PATCH, DELETE, OPTIONS');
      const head = await get(`${app.url}/verb`, { method: 'HEAD' });
      assert.equal(head.headers.get('x-head'), 'yes');
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
        assert.deepEqual((await get(`${app.url}/any`, { method })).json(), { method });
      }
    });

    test('unknown route 404, malformed JSON 400, oversize body 413, and it keeps serving', async () => {
      assert.equal((await get(`${app.url}/no/such/route`)).status, 404);
      const bad = await get(`${app.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"unterminated' });
      assert.equal(bad.status, 400);
      const big = await postJson(`${app.url}/echo`, { blob: 'x'.repeat(8192) });
      assert.equal(big.status, 413);
      assert.equal((await get(`${app.url}/return/text`)).status, 200);
    });

    // (Pool mode only: single mode has no worker threads.)
    if (mode === 'pool mode') {
      test('handlers run on worker threads of the master process; runOn master runs inline', async () => {
        const master = (await get(`${app.url}/master/thread`)).json();
        const handler = (await get(`${app.url}/thread`)).json();
        assert.equal(master.threadId, 0);
        assert.notEqual(handler.threadId, 0);
        assert.equal(handler.pid, master.pid, 'one process');
        assert.equal((await get(`${app.url}/inline`)).json().threadId, 0);
        assert.ok(logRecords(app.lines).some((r) => r.role === 'master'));
      });
    }
  });
}

describe('production hides error details', () => {
  let app: App;
  before(async () => {
    app = await startApp(join(FIXTURES, 'pool-app.js'), [], { NODE_ENV: 'production' });
  });
  after(() => app.stop());

  test('a 500 carries no message and no stack; the log has both', async () => {
    const r = await get(`${app.url}/throw`);
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' });
    assert.doesNotMatch(r.text, /secret detail|at /);
    const line = await app.waitForLine((l) => l.includes('secret detail'));
    assert.match(line, /routes\.js/, 'the log keeps the stack');
    assert.equal((await get(`${app.url}/throw/http`)).json().message, 'already exists', '4xx messages are still shown');
  });
});

describe('input that cannot be processed is a 4xx on every path, never a 503 or a hang', () => {
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  for (const [mode, args] of [
    ['with ingress threads', ['--min-ingress-threads', '2', '--cheap-route-ms', '50']],
    ['with every handler on the pool', ['--ingress-threads', '1', '--cheap-route-ms', '0']],
  ] as const) {
    test(`100,000-deep JSON ${mode}: 400 for a route, 404 for an unknown path; with the depth limit off, 400 all the same`, async () => {
      for (const [limit, code] of [
        ['128', 'GOPOOL_ERR_JSON_TOO_DEEP'],
        ['0', 'GOPOOL_ERR_REQUEST_NOT_CLONEABLE'],
      ] as const) {
        const app = await startApp(join(FIXTURES, 'pool-app.js'), [...args, '--json-depth-limit', limit, '--max-threads', '1']);
        try {
          for (let i = 0; i < 8; i++) {
            const r = await get(`${app.url}/echo`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', connection: 'close' },
              body: deep(100_000),
            });
            assert.equal(r.status, 400, `limit ${limit}: ${r.text}`);
            assert.equal(r.json().code, code);
            assert.equal(r.headers.get('retry-after'), null, 'nothing to retry');
            const missing = await get(`${app.url}/no/such/path`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', connection: 'close' },
              body: deep(100_000),
            });
            assert.ok(missing.status === 404 || missing.status === 400, `an unknown path is answered: ${missing.status}`);
          }
          assert.equal((await get(`${app.url}/thread`)).status, 200, 'it keeps serving');
        } finally {
          await app.stop();
        }
      }
    });
  }
});
