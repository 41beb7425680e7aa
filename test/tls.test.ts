// HTTPS and HTTP/2 on the public port (issue 21, item 8): fastify's `https` and `http2` as
// gopool options (--https-key, --https-cert, --http2), served by every accepting thread on its
// own descriptor of the daemon's socket, spoken to by curl and by node's https and http2
// clients: inline, pooled and master routes, a stream, a body, the monitoring endpoints; h2c
// without TLS; single mode; a renewed certificate served after `gopool reload` with no failed
// request; bad key or certificate files refused with one line. And fastify's request log
// (item 6, --request-logging): "incoming request" and "request completed" with the reqId the
// handler logs with, wherever the handler ran; none without the option.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, CLI, FIXTURES, logRecords, run, runToEnd, startApp, tempDir, tempHome, whenListening } from './helpers/processes';
import { type Answer, type Certificate, curl, h2Requests, httpsGet, rawTls, selfSigned, servedFingerprint } from './helpers/tls';

const APP = join(FIXTURES, 'tls-app.js');
const SINGLE = join(FIXTURES, 'tls-single.js');
const ROUTES = ['inline', 'pool', 'master'] as const;

/** The thread that accepted a request, from its id: `req-<threadId in base 36>-<n>` (ingress/create-fastify.ts). */
const acceptedBy = (id: string): number => Number.parseInt(id.split('-')[1]!, 36);
const tlsFlags = (c: Certificate): string[] => ['--https-key', c.key, '--https-cert', c.cert];
const json = (answer: Answer) => JSON.parse(answer.body);

/** Every route of tls-app.js through curl, over the HTTP version `flag` asks for. */
async function curlEveryRoute(url: string, flags: string[], version: string): Promise<void> {
  for (const where of ROUTES) {
    const r = await curl(`${url}/${where}`, flags);
    assert.equal(r.status, 200, `${where}: ${r.body}`);
    assert.equal(r.version, version, `${where} over HTTP/${version}`);
    assert.equal(json(r).where, where);
  }
  const stream = await curl(`${url}/stream`, flags);
  assert.equal(stream.body, 'chunk 0\nchunk 1\nchunk 2\n');
  assert.equal(stream.version, version);
  const events = await curl(`${url}/events`, flags);
  assert.match(events.body, /event: tick\ndata: \{"n":1\}[\s\S]*event: tick\ndata: \{"n":2\}/);
  const echo = await curl(`${url}/echo`, [...flags, '-H', 'content-type: application/json', '--data', '{"a":1}']);
  assert.deepEqual(json(echo), { a: 1 });
  const live = await curl(`${url}/_info/livez`, flags);
  assert.equal(live.status, 200, 'monitoring on the public port, forwarded to the master');
  assert.equal(live.version, version);
}

/** The same over one session of node's http2 client, every request a stream of it at once. */
async function h2EveryRoute(url: string, ca?: string): Promise<void> {
  const answers = await h2Requests(
    url,
    [
      ...ROUTES.map((where) => ({ path: `/${where}` })),
      { path: '/stream' },
      { path: '/echo', method: 'POST', body: '{"b":2}', headers: { 'content-type': 'application/json' } },
      { path: '/events' },
      { path: '/_info/readyz' },
    ],
    ca,
  );
  assert.deepEqual(
    answers.map((a) => a.status),
    answers.map(() => 200),
    answers.map((a) => a.body).join('\n'),
  );
  assert.deepEqual(
    answers.slice(0, 3).map((a) => json(a).where),
    [...ROUTES],
  );
  assert.equal(answers[3]!.body, 'chunk 0\nchunk 1\nchunk 2\n');
  assert.deepEqual(json(answers[4]!), { b: 2 });
  assert.equal(answers[5]!.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.match(answers[5]!.body, /data: \{"n":2\}/);
}

describe('HTTPS and HTTP/2 with two ingress threads', () => {
  let cert: Certificate;
  let app: App;
  const ingressThreads = async (): Promise<number[]> =>
    json(await httpsGet(`${app.url}/_info`, cert.pem))
      .threads.filter((t: { role: string }) => t.role === 'ingress')
      .map((t: { threadId: number }) => t.threadId);

  before(async () => {
    cert = selfSigned('main');
    app = await startApp(APP, [
      ...tlsFlags(cert),
      '--http2',
      '--info-url',
      '/_info',
      '--min-ingress-threads',
      '2',
      '--ingress-threads',
      '2',
      '--cheap-route-ms',
      '50',
      '--max-threads',
      '2',
      '--headers-timeout',
      '1000',
    ]);
    await until(async () => (await ingressThreads()).length === 2);
  });
  after(() => app.stop());

  test('the URL gopool reports is https, and the certificate served is the one given', async () => {
    assert.match(app.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await servedFingerprint(app.url), cert.fingerprint);
  });

  test('curl over HTTP/1.1 and over HTTP/2: inline, pooled and master routes, a stream, a body, monitoring', async () => {
    await curlEveryRoute(app.url, ['--cacert', cert.cert, '--http1.1'], '1.1');
    await curlEveryRoute(app.url, ['--cacert', cert.cert, '--http2'], '2');
  });

  test("node's http2 client: every route as streams of one session", () => h2EveryRoute(app.url, cert.pem));

  test('every ingress thread serves HTTPS and h2 on its own descriptor; cheap routes run inline there', async () => {
    const ingress = await ingressThreads();
    const overH1 = new Set<number>();
    const overH2 = new Set<number>();
    // A new connection each time: the kernel picks the accepting thread.
    await until(async () => {
      overH1.add(acceptedBy(json(await httpsGet(`${app.url}/pool`, cert.pem)).id));
      const [h2] = await h2Requests(app.url, [{ path: '/pool' }], cert.pem);
      overH2.add(acceptedBy(json(h2!).id));
      return ingress.every((thread) => overH1.has(thread) && overH2.has(thread));
    });
    await until(async () => {
      const [h2] = await h2Requests(app.url, [{ path: '/inline' }], cert.pem);
      const { id, threadId } = json(h2!);
      return ingress.includes(threadId) && acceptedBy(id) === threadId;
    });
  });

  test('a stream that fails midway: over HTTP/1.1 its TLS connection is reset, over h2 its stream alone', async () => {
    await assert.rejects(httpsGet(`${app.url}/fail-midway`, cert.pem), { code: 'ECONNRESET' });
    // One session: the failed stream is reset (INTERNAL_ERROR), the other one is answered.
    const session = http2.connect(app.url, { ca: cert.pem });
    session.on('error', () => undefined);
    try {
      const [failed, fine] = await Promise.allSettled([
        h2Requests(app.url, [{ path: '/fail-midway' }], cert.pem, session),
        h2Requests(app.url, [{ path: '/stream' }], cert.pem, session),
      ]);
      assert.equal(failed.status, 'rejected');
      assert.match(String((failed as PromiseRejectedResult).reason), /NGHTTP2_INTERNAL_ERROR/);
      assert.equal(fine.status === 'fulfilled' && fine.value[0]!.body, 'chunk 0\nchunk 1\nchunk 2\n');
      assert.equal((await h2Requests(app.url, [{ path: '/pool' }], cert.pem, session))[0]!.status, 200, 'the session serves on');
    } finally {
      session.close();
    }
  });

  test('HTTP/1.1 over TLS keeps the refusal of malformed requests and the client timeouts', async () => {
    const twoHosts = await rawTls(app.url, cert.pem, 'GET /inline HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n');
    assert.match(twoHosts, /^HTTP\/1\.1 400 /);
    assert.match(twoHosts, /GOPOOL_ERR_DUPLICATE_HOST/);
    // Headers that never end: 408 once --headers-timeout has passed, and the connection closed.
    const slow = await rawTls(app.url, cert.pem, 'GET /inline HTTP/1.1\r\nHost: a.example\r\n');
    assert.match(slow, /^HTTP\/1\.1 408 /);
  });

  test('no warning from Node (HTTP/2 responses carry no connection-specific header)', () => {
    assert.deepEqual(
      app.lines.filter((line) => /Warning/.test(line)),
      [],
    );
  });

  test('without --request-logging: the handler logs its line, fastify logs no request lines', async () => {
    const { id } = json(await httpsGet(`${app.url}/pool`, cert.pem));
    await until(async () => logRecords(app.lines).find((r) => r.reqId === id && r.msg === 'a handler logged'));
    const requestLines = logRecords(app.lines).filter((r) => r.msg === 'incoming request' || r.msg === 'request completed');
    assert.deepEqual(requestLines, []);
  });
});

describe('h2c: HTTP/2 without TLS', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ['--http2', '--info-url', '/_info']);
  });
  after(() => app.stop());

  test('curl with prior knowledge and node http2 client', async () => {
    assert.match(app.url, /^http:\/\//);
    await curlEveryRoute(app.url, ['--http2-prior-knowledge'], '2');
    await h2EveryRoute(app.url);
  });
});

describe('single mode over HTTPS and HTTP/2, with request logging', () => {
  let cert: Certificate;
  let app: App;
  before(async () => {
    cert = selfSigned('single');
    const env = { GOPOOL_HTTPS_KEY: cert.key, GOPOOL_HTTPS_CERT: cert.cert, GOPOOL_HTTP2: 'true', GOPOOL_INFO_URL: '/_info', GOPOOL_REQUEST_LOGGING: 'true' };
    app = await whenListening(run(process.execPath, [SINGLE], { env }));
  });
  after(() => app.stop());

  test('curl and node http2 client', async () => {
    assert.match(app.url, /^https:\/\//);
    await curlEveryRoute(app.url, ['--cacert', cert.cert, '--http1.1'], '1.1');
    await curlEveryRoute(app.url, ['--cacert', cert.cert, '--http2'], '2');
    await h2EveryRoute(app.url, cert.pem);
  });

  test("fastify's request lines carry the reqId the handler logs with", async () => {
    for (const where of ROUTES) {
      const [answer] = await h2Requests(app.url, [{ path: `/${where}` }], cert.pem);
      await requestLinesOf(app, json(answer!).id, where);
    }
  });
});

/**
 * The lines of one request: fastify's "incoming request" and "request completed" (each once,
 * from the thread that accepted it), and the handler's own, all with its id.
 */
async function requestLinesOf(app: App, id: string, where: string): Promise<void> {
  const lines = await until(async () => {
    const mine = logRecords(app.lines).filter((r) => r.reqId === id);
    const has = (msg: string) => mine.some((r) => r.msg === msg);
    return has('incoming request') && has('request completed') && has('a handler logged') && mine;
  });
  const incoming = lines.filter((r) => r.msg === 'incoming request');
  const completed = lines.filter((r) => r.msg === 'request completed');
  assert.equal(incoming.length, 1, `one "incoming request" for ${id}`);
  assert.equal(completed.length, 1, `one "request completed" for ${id}`);
  assert.equal((incoming[0]!.req as { url: string }).url, `/${where}`);
  assert.equal((completed[0]!.res as { statusCode: number }).statusCode, 200);
  assert.equal(typeof completed[0]!.responseTime, 'number');
  assert.equal(lines.find((r) => r.msg === 'a handler logged')!.marker, `handler-${where}`);
}

describe('request logging with ingress threads (--request-logging)', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ['--request-logging', '--min-ingress-threads', '2', '--ingress-threads', '2', '--cheap-route-ms', '50', '--max-threads', '2']);
  });
  after(() => app.stop());

  test('inline, pooled and master routes: both request lines, with the reqId the handler logs with', async () => {
    // The inline route once it runs where it was accepted (its first runs measure it on the pool).
    const inline = await until(async () => {
      const answer = (await get(`${app.url}/inline`, { headers: { connection: 'close' } })).json();
      return acceptedBy(answer.id) === answer.threadId && answer;
    });
    await requestLinesOf(app, inline.id, 'inline');
    for (const where of ['pool', 'master']) {
      const answer = (await get(`${app.url}/${where}`)).json();
      assert.notEqual(answer.threadId, acceptedBy(answer.id), `${where} ran elsewhere than the thread that accepted it`);
      await requestLinesOf(app, answer.id, where);
    }
  });
});

describe('a renewed certificate', () => {
  test('gopool reload serves the files as they are then, with no failed request; a bad key leaves the previous master serving', async () => {
    const first = selfSigned('first');
    const renewed = selfSigned('renewed');
    const dir = tempDir('gopool-tls-live-');
    const key = join(dir, 'privkey.pem');
    const cert = join(dir, 'fullchain.pem');
    copyFileSync(first.key, key);
    copyFileSync(first.cert, cert);
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'renew', '--https-key', key, '--https-cert', cert, '--http2'], { GOPOOL_HOME: home });
    const reload = () => runToEnd(process.execPath, [CLI, 'reload', 'renew'], { env: { GOPOOL_HOME: home } });
    try {
      assert.equal(await servedFingerprint(app.url), first.fingerprint);
      copyFileSync(renewed.key, key);
      copyFileSync(renewed.cert, cert);
      assert.equal(await servedFingerprint(app.url), first.fingerprint, 'read when a master starts, not when they change');
      // An HTTP/2 session of the old master: told to go away (GOAWAY, no error) when it drains.
      const held = http2.connect(app.url, { ca: first.pem });
      held.on('error', () => undefined);
      const goaway = new Promise<number>((resolve) => held.once('goaway', resolve));
      const heldClosed = new Promise((resolve) => held.once('close', resolve));
      assert.equal((await h2Requests(app.url, [{ path: '/pool' }], first.pem, held))[0]!.status, 200);
      // Requests all through the reload, each on a new TLS connection trusting either
      // certificate, over HTTP/1.1 and HTTP/2 in turn.
      const both = [first.pem, renewed.pem].join('\n');
      const outcomes: Array<number | string> = [];
      let reloading = true;
      const load = (async () => {
        for (let i = 0; i < 10_000 && (reloading || outcomes.length < 5); i++) {
          const answer = i % 2 === 0 ? httpsGet(`${app.url}/pool`, both) : h2Requests(app.url, [{ path: '/pool' }], both).then((a) => a[0]!);
          outcomes.push(
            await answer.then(
              (a) => a.status,
              (err: Error) => err.message,
            ),
          );
        }
      })();
      await until(async () => outcomes.length > 5);
      const reloaded = await reload();
      assert.equal(reloaded.code, 0, reloaded.output);
      await until(async () => (await servedFingerprint(app.url)) === renewed.fingerprint);
      reloading = false;
      await load;
      process.stdout.write(`  certificate renewed by a reload: ${outcomes.length} requests over HTTP/1.1 and h2 meanwhile, none failed\n`);
      assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
      await heldClosed;
      assert.deepEqual(
        outcomes.filter((o) => o !== 200),
        [],
        `${outcomes.length} requests`,
      );
      // A broken key: the reload fails and says which file; the running master serves on.
      writeFileSync(key, 'not a key\n');
      const failed = await reload();
      assert.equal(failed.code, 1);
      assert.match(failed.output, /reload failed: the TLS key file .*privkey\.pem is not a usable private key/);
      assert.equal(await servedFingerprint(app.url), renewed.fingerprint);
      assert.equal((await httpsGet(`${app.url}/pool`, renewed.pem)).status, 200);
    } finally {
      await app.stop();
    }
  });
});

describe('key and certificate files that cannot serve', () => {
  const cert = selfSigned('errors');
  const other = selfSigned('other');
  /** `gopool start` with these flags: one line naming the problem, exit code 1, no stack. */
  async function refused(flags: string[], pattern: RegExp): Promise<void> {
    const result = await runToEnd(process.execPath, [CLI, 'start', APP, '--port', '0', ...flags]);
    assert.equal(result.code, 1, result.output);
    const lines = result.output.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, `one line, got:\n${result.output}`);
    assert.match(lines[0]!, pattern);
  }
  test('a missing key file', () =>
    refused(
      ['--https-key', '/nonexistent/key.pem', '--https-cert', cert.cert],
      /^gopool: cannot read the TLS key file \/nonexistent\/key\.pem: no such file$/,
    ));
  test('a certificate file that is no certificate', () =>
    refused(['--https-key', cert.key, '--https-cert', cert.key], /^gopool: the TLS certificate file .*key\.pem is not a usable certificate: /));
  test('a key that is not the certificate’s', () =>
    refused(['--https-key', other.key, '--https-cert', cert.cert], /^gopool: the TLS key file .* does not belong to the certificate in .*cert\.pem: /));
  test('a key without a certificate', () =>
    refused(
      ['--https-key', cert.key],
      /^gopool: HTTPS needs both a key and a certificate: httpsKey \(--https-key\) was given, httpsCert \(--https-cert\) was not$/,
    ));
});
