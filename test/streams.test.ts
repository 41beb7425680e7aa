// Streams both ways, end to end with real clients (fetch, node's http client, curl): streamed
// responses of every kind from every place a handler runs (inline on the accepting thread, on a
// pool thread, on the master, from an ingress thread through the master), back pressure (a
// slow reader of 100 MiB, memory sampled from /proc), server-sent events and a client that
// leaves, errors midway, the timeout to the first byte, a stalled stream; form posts,
// multipart uploads to pooled handlers, raw body streams, 413 before the body is read.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, logRecords, run, startApp, tempDir, whenListening } from './helpers/processes';
import { readSlowly, upload } from './helpers/streaming';

const APP = join(FIXTURES, 'streams-app.js');
const COMMON = ['--max-threads', '2'];
const modes: Array<{ name: string; ingress: boolean; single: boolean; start: () => Promise<App> }> = [
  {
    name: 'with an ingress thread',
    ingress: true,
    single: false,
    start: () => startApp(APP, [...COMMON, '--ingress-threads', '1', '--min-ingress-threads', '1', '--cheap-route-ms', '50']),
  },
  {
    name: 'with every handler on the pool',
    ingress: false,
    single: false,
    start: () => startApp(APP, [...COMMON, '--ingress-threads', '1', '--cheap-route-ms', '0']),
  },
  { name: 'in single mode', ingress: false, single: true, start: () => whenListening(run(process.execPath, [join(FIXTURES, 'streams-single.js')])) },
];
const PLACES = ['pool', 'master', 'auto'] as const;
const KINDS = ['readable', 'generator', 'web', 'reply'] as const;

/**
 * A server that records what handlers tell it (`?what=...`): all of it in `seen`, and by the
 * path of the callback URL in `at(path)`, for requests whose callbacks may come late.
 */
async function callbackServer(): Promise<{ url: string; seen: string[]; at: (path: string) => string[]; close: () => void }> {
  const seen: string[] = [];
  const byPath = new Map<string, string[]>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const what = url.searchParams.get('what') ?? '';
    seen.push(what);
    byPath.set(url.pathname.slice(1), [...(byPath.get(url.pathname.slice(1)) ?? []), what]);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    seen,
    at: (path) => byPath.get(path) ?? [],
    close: () => server.close(),
  };
}

/** The fixture's pattern (byte i is i % 251) from byte `from` on, `total` bytes of it. */
function pattern(total: number, from = 0): Buffer {
  const cycle = Buffer.from(Array.from({ length: 251 }, (_, i) => (from + i) % 251));
  return Buffer.alloc(total, cycle);
}

/** Is this the fixture's pattern, `total` bytes long? */
function isPattern(bytes: Uint8Array, total: number): boolean {
  return bytes.byteLength === total && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(pattern(total));
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** Runs curl to its end (bounded), its output as bytes; fails on a non-zero exit. */
function curl(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '60', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/** The pid of the process that serves HTTP (the master; in single mode the process itself), from its "listening" line. */
function servingPid(app: App): number {
  const record = logRecords(app.lines).find((r) => typeof r.msg === 'string' && r.msg.includes(' listening on ') && typeof r.url === 'string');
  return record!.pid as number;
}

for (const mode of modes) {
  describe(`streams ${mode.name}`, () => {
    let app: App;
    let callbacks: Awaited<ReturnType<typeof callbackServer>>;

    before(async () => {
      app = await mode.start();
      callbacks = await callbackServer();
      if (mode.ingress) {
        await until(async () => ((await get(`${app.url}/pool/bytes`, { headers: { connection: 'close' } })).headers.get('x-accepted-by') ?? '0') !== '0');
      }
    });
    after(async () => {
      callbacks.close();
      await app.stop();
    });

    test('a Readable, an async generator, a web ReadableStream and reply(stream), wherever the handler runs', async () => {
      for (const place of PLACES) {
        for (const kind of KINDS) {
          const response = await fetch(`${app.url}/${place}/bytes?kind=${kind}&bytes=1000000&chunk=3000`, { signal: AbortSignal.timeout(20_000) });
          const bytes = new Uint8Array(await response.arrayBuffer());
          assert.equal(response.status, kind === 'reply' ? 201 : 200, `${place} ${kind}`);
          assert.equal(response.headers.get('content-type'), kind === 'reply' ? 'application/x-pattern' : 'application/octet-stream', `${place} ${kind}`);
          assert.equal(response.headers.get('transfer-encoding'), 'chunked', `${place} ${kind}`);
          assert.ok(isPattern(bytes, 1_000_000), `${place} ${kind}: the bytes as produced`);
          if (kind === 'reply') assert.equal(response.headers.get('x-total'), '1000000');
        }
      }
      assert.ok(isPattern(await curl(['--no-buffer', `${app.url}/pool/bytes?kind=generator&bytes=300000&chunk=1000`]), 300_000), 'curl reads the same stream');
    });

    if (mode.ingress) {
      test('from an ingress thread: inline there, on a pool thread through the master, on the master', async () => {
        const seen = new Set<string>();
        await until(
          async () => {
            for (const place of PLACES) {
              const response = await fetch(`${app.url}/${place}/bytes?kind=generator&bytes=200000&chunk=5000`, {
                headers: { connection: 'close' },
                signal: AbortSignal.timeout(20_000),
              });
              assert.ok(isPattern(new Uint8Array(await response.arrayBuffer()), 200_000));
              const accepted = response.headers.get('x-accepted-by');
              const ranOn = response.headers.get('x-ran-on');
              if (place === 'auto' && ranOn === accepted) seen.add('inline on the ingress thread');
              if (place === 'pool' && ranOn !== accepted && ranOn !== '0') seen.add('on a pool thread, through the master');
              if (place === 'master' && ranOn === '0') seen.add('on the master');
            }
            return seen.size === 3;
          },
          30_000,
          10,
        );
      });
    }

    test('slow and fast readers at once, each of its own bytes: every byte as produced (no buffer used again while a socket still sends it)', async () => {
      // Four streams at once from the same threads, 8 MiB each in 64 KiB chunks, each starting
      // its pattern elsewhere: a block of memory filled again before its socket had written it
      // would put one stream's bytes in another's. Two readers pause after every read, so their
      // sockets fill and the writes wait on them.
      const MB8 = 8 * 1024 * 1024;
      const read = (place: string, from: number, pauseMs: number) =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          http
            .get(`${app.url}/${place}/bytes?bytes=${MB8}&chunk=65536&from=${from}`, (res) => {
              res.on('data', (chunk: Buffer) => {
                chunks.push(chunk);
                if (pauseMs > 0) {
                  res.pause();
                  setTimeout(() => res.resume(), pauseMs);
                }
              });
              res.on('end', () => resolve(Buffer.concat(chunks)));
              res.on('error', reject);
            })
            .on('error', reject);
        });
      // Where the stream crosses threads: made on a pool thread or on the master.
      for (const place of ['pool', 'master']) {
        const froms = [0, 50, 100, 150];
        const bodies = await Promise.all(froms.map((from, i) => read(place, from, i % 2 === 0 ? 2 : 0)));
        bodies.forEach((body, i) => {
          assert.equal(body.byteLength, MB8, `${place}, stream ${i}: every byte`);
          const expected = pattern(MB8, froms[i]);
          if (!body.equals(expected)) {
            const wrong = body.findIndex((byte, at) => byte !== expected[at]);
            assert.fail(`${place}, stream ${i}: byte ${wrong} is not the one produced`);
          }
        });
      }
    });

    test('back pressure: 100 MiB read slowly keeps the process within 64 MiB of where it was, and leaving destroys the producer', async () => {
      const pid = servingPid(app);
      for (const place of PLACES) {
        callbacks.seen.length = 0;
        // 30 reads, 40 ms apart: a few MiB reach the client of the 100 MiB the handler can make
        // (a producer not held back would make them all in well under that second).
        const outcome = await readSlowly(`${app.url}/${place}/big?mb=100&callback=${encodeURIComponent(callbacks.url)}`, pid, 30, 40);
        assert.equal(outcome.status, 200);
        assert.ok(outcome.bytes < 50 * 1024 * 1024, `${place}: the client read slowly (${outcome.bytes} bytes)`);
        assert.ok(
          outcome.peakMb - outcome.baseMb < 64,
          `${place}: RSS grew ${(outcome.peakMb - outcome.baseMb).toFixed(1)} MiB (from ${outcome.baseMb.toFixed(1)})`,
        );
        // The client cancelled: the handler's Readable is destroyed, long before its 1600 blocks.
        const closed = await until(async () => callbacks.seen.find((what) => what.startsWith('closed:')));
        assert.ok(Number(closed.split(':')[1]) < 1600, `${place}: the producer stopped (${closed})`);
      }
    });

    test('server-sent events: headers, the first event at once, the signal aborts and the source ends when the client leaves', async () => {
      for (const place of PLACES) {
        // Each request its own callback path: a HEAD's generator, if it started, says it
        // returned when it gets to it, maybe after the next request began.
        const byGet = `${place}-get`;
        const byHead = `${place}-head`;
        const controller = new AbortController();
        const response = await fetch(`${app.url}/${place}/events?callback=${encodeURIComponent(callbacks.url + byGet)}`, { signal: controller.signal });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        assert.equal(response.headers.get('cache-control'), 'no-cache');
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = '';
        for (let i = 0; i < 100 && !text.includes('id: 3\n'); i++) text += (await reader.read()).value ?? '';
        assert.ok(text.startsWith(':\n\ndata: hello\n\n'), `${place}: ${JSON.stringify(text)}`);
        assert.match(text, /id: 2\nevent: tick\ndata: \{"n":2,"threadId":\d+\}\n\n/);
        assert.deepEqual(callbacks.at(byGet), [], 'the handler is still producing');
        controller.abort();
        await until(async () => callbacks.at(byGet).includes('aborted:GOPOOL_ERR_CLIENT_GONE') && callbacks.at(byGet).includes('source-returned'));

        // HEAD: the headers, no body, and the endless source is stopped with the response (its
        // signal aborts; a generator not started yet has no finally to run).
        const answer = await fetch(`${app.url}/${place}/events?callback=${encodeURIComponent(callbacks.url + byHead)}`, {
          method: 'HEAD',
          signal: AbortSignal.timeout(20_000),
        });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        assert.equal(await answer.text(), '');
        await until(async () => callbacks.at(byHead).includes('aborted:GOPOOL_ERR_CLIENT_GONE'));
      }
    });

    test('a stream that fails midway cuts the response and is logged', async () => {
      for (const place of PLACES) {
        const response = await fetch(`${app.url}/${place}/fail-midway`, { signal: AbortSignal.timeout(20_000) });
        assert.equal(response.status, 200);
        await assert.rejects(response.text(), `${place}: the body ends in an error, not a clean end`);
        await until(async () =>
          logRecords(app.lines).some((r) => r.route === `GET /${place}/fail-midway` && (r.err as { code?: string } | undefined)?.code === 'APP_PRODUCER_BROKE'),
        );
      }
    });

    if (!mode.single) {
      test('a pool thread that exits while streaming cuts its response, logged; the pool serves on', async () => {
        const response = await fetch(`${app.url}/pool/exit-midway`, { signal: AbortSignal.timeout(20_000) });
        assert.equal(response.status, 200);
        await assert.rejects(response.text());
        await until(async () =>
          logRecords(app.lines).some((r) => r.route === 'GET /pool/exit-midway' && (r.err as { code?: string } | undefined)?.code === 'GOPOOL_ERR_STREAM_CUT'),
        );
        // (A request sent to the thread as it exited gets 503, as any request on an exiting thread.)
        await until(async () => {
          const next = await fetch(`${app.url}/pool/bytes?kind=web&bytes=100000`, { signal: AbortSignal.timeout(20_000) });
          return next.status === 200 && isPattern(new Uint8Array(await next.arrayBuffer()), 100_000);
        });
      });
    }

    test('the route timeout covers the time to the first byte; a stream that stalls is ended after its idle limit', async () => {
      for (const place of PLACES) {
        callbacks.seen.length = 0;
        const late = await get(`${app.url}/${place}/late-first?ms=5000&callback=${encodeURIComponent(callbacks.url)}`);
        assert.equal(late.status, 504);
        assert.equal(late.json().code, 'GOPOOL_ERR_TIMEOUT');
        await until(async () => callbacks.seen.includes('late-first:GOPOOL_ERR_TIMEOUT'));
        const inTime = await get(`${app.url}/${place}/late-first?ms=10`);
        assert.equal(inTime.status, 200);
        assert.equal(inTime.text, 'late but here\n');

        callbacks.seen.length = 0;
        const stalled = await fetch(`${app.url}/${place}/stall?callback=${encodeURIComponent(callbacks.url)}`, { signal: AbortSignal.timeout(20_000) });
        assert.equal(stalled.status, 200);
        const reader = stalled.body!.getReader();
        assert.equal(new TextDecoder().decode((await reader.read()).value), 'one chunk, then nothing\n');
        await assert.rejects(reader.read(), `${place}: the connection is closed, not the stream ended cleanly`);
        await until(async () => callbacks.seen.includes('stall-aborted:GOPOOL_ERR_STREAM_IDLE'));
        await until(async () => logRecords(app.lines).some((r) => r.code === 'GOPOOL_ERR_STREAM_IDLE' && r.route === `GET /${place}/stall`));
      }
    });

    test('form posts are parsed like query strings (curl -d, fetch with URLSearchParams)', async () => {
      for (const place of PLACES) {
        const stdout = await curl(['-d', 'a=1&a=2&b=x+y&c=%C3%A9', `${app.url}/${place}/form`]);
        assert.deepEqual(JSON.parse(stdout.toString()).body, { a: ['1', '2'], b: 'x y', c: 'é' });
        const response = await fetch(`${app.url}/${place}/form`, { method: 'POST', body: new URLSearchParams({ name: 'ada', lang: 'en' }) });
        assert.deepEqual(((await response.json()) as { body: unknown }).body, { name: 'ada', lang: 'en' });
      }
    });

    test('a 20 MB multipart upload reaches a pooled handler as bytes, checksum intact; over bodyLimit, 413 before it is all sent', async () => {
      const file = randomBytes(20 * 1024 * 1024);
      const form = new FormData();
      form.append('title', 'holiday');
      form.append('tags', 'a');
      form.append('tags', 'b');
      form.append('file', new Blob([file], { type: 'image/png' }), 'photo.png');
      const response = await fetch(`${app.url}/pool/upload`, { method: 'POST', body: form, signal: AbortSignal.timeout(60_000) });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { threadId: number };
      assert.deepEqual(body, {
        title: 'holiday',
        tags: ['a', 'b'],
        filename: 'photo.png',
        mimetype: 'image/png',
        isBytes: true,
        bytes: file.length,
        sha256: sha256(file),
        threadId: body.threadId,
      });
      if (!mode.single) assert.notEqual(body.threadId, 0, 'ran on a pool thread');

      const path = join(tempDir('gopool-upload-'), 'upload.bin');
      writeFileSync(path, file.subarray(0, 3 * 1024 * 1024));
      const byCurl = JSON.parse((await curl(['-F', 'title=by curl', '-F', `file=@${path};type=application/pdf`, `${app.url}/auto/upload`])).toString());
      assert.equal(byCurl.sha256, sha256(file.subarray(0, 3 * 1024 * 1024)));
      assert.equal(byCurl.mimetype, 'application/pdf');

      // 256 MiB declared nowhere (chunked), the route allows 32 MiB.
      const boundary = 'gopoolboundary';
      const tooLarge = await upload(`${app.url}/pool/upload`, {
        total: 256 * 1024 * 1024,
        contentType: `multipart/form-data; boundary=${boundary}`,
        head: Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`),
        tail: Buffer.from(`\r\n--${boundary}--\r\n`),
      });
      assert.equal(tooLarge.status, 413);
      assert.ok(tooLarge.sentBytes < 256 * 1024 * 1024, `answered after ${tooLarge.sentBytes} bytes`);
    });

    test('body: "stream" gives the handler the raw body as a web ReadableStream, read as it arrives; 413 past bodyLimit before it is all sent', async () => {
      for (const place of PLACES) {
        const bytes = randomBytes(5 * 1024 * 1024 + 17);
        let offset = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (offset >= bytes.length) return controller.close();
            controller.enqueue(bytes.subarray(offset, offset + 100_000));
            offset += 100_000;
          },
        });
        const response = await fetch(`${app.url}/${place}/raw`, {
          method: 'POST',
          body,
          duplex: 'half',
          headers: { 'content-type': 'application/octet-stream' },
          signal: AbortSignal.timeout(30_000),
        } as RequestInit);
        const result = (await response.json()) as Record<string, unknown>;
        assert.deepEqual({ ...result, threadId: 0 }, { bytes: bytes.length, sha256: sha256(bytes), isWebStream: true, aborted: false, threadId: 0 }, place);

        // A stream in, a stream out: the body echoed as it is read.
        const echoed = await fetch(`${app.url}/${place}/echo`, { method: 'POST', body: bytes, signal: AbortSignal.timeout(30_000) });
        assert.equal(sha256(new Uint8Array(await echoed.arrayBuffer())), sha256(bytes), `${place}: echo`);

        // Over the route's 8 MiB: chunked, found while reading; declared, refused before reading.
        for (const contentLength of [false, true]) {
          const outcome = await upload(`${app.url}/${place}/raw`, { total: 256 * 1024 * 1024, contentType: 'application/octet-stream', contentLength });
          assert.equal(outcome.status, 413, `${place} ${contentLength ? 'declared' : 'chunked'}`);
          assert.ok(outcome.sentBytes < 256 * 1024 * 1024, `${place}: answered after ${outcome.sentBytes} bytes`);
          if (outcome.body) assert.equal(JSON.parse(outcome.body).code, 'GOPOOL_ERR_BODY_TOO_LARGE');
        }
      }
    });
  });
}
