// Slow clients (issue 13, item 4): a client that sends its headers or its body too slowly is
// answered 408 and its connection closed once headers-timeout / request-timeout has passed,
// on the master and on ingress threads alike, and counted in the metrics; other clients are
// served meanwhile, and an idle kept-alive connection is not taken for a slow one.
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, startApp } from './helpers/processes';

const REQUEST_TIMEOUT = 1500;
const HEADERS_TIMEOUT = 800;
const TRICKLE_EVERY_MS = 100;
/** The trickle stops after this many writes (15 s): the test never loops unbounded. */
const MAX_TRICKLES = 150;

interface Dropped {
  /** What the server wrote before closing ('' for a reset). */
  answer: string;
  /** From the first byte of the slow request to the close. */
  heldMs: number;
}

/**
 * Sends `head` on `socket`, then one `trickle` every 100 ms, until the server closes the
 * connection; resolves with what it answered.
 */
function trickle(socket: net.Socket, head: string, drip: string): Promise<Dropped> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let writes = 0;
    const started = Date.now();
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {
      /* a reset: 'close' follows */
    });
    const timer = setInterval(() => {
      if (++writes > MAX_TRICKLES) {
        clearInterval(timer);
        socket.destroy();
        reject(new Error(`the server kept the slow connection open for ${MAX_TRICKLES} writes`));
      } else if (socket.writable) socket.write(drip);
    }, TRICKLE_EVERY_MS);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, heldMs: Date.now() - started });
    });
    socket.write(head);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One GET on an open socket; resolves with the raw response once its body is complete. */
function requestOn(socket: net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const onData = (chunk: Buffer): void => {
      raw += chunk.toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(raw)?.[1] ?? NaN);
      if (end >= 0 && raw.length >= end + 4 + length) {
        socket.off('data', onData);
        resolve(raw);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before a whole response: ${raw}`)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  });
}

const SLOW_BODY_HEAD = 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
const SLOW_HEADERS_HEAD = 'GET /thread HTTP/1.1\r\nHost: test\r\n';

function assertDropped(dropped: Dropped, timeoutMs: number): void {
  assert.ok(dropped.answer === '' || dropped.answer.startsWith('HTTP/1.1 408 '), `expected 408 or a reset, got ${JSON.stringify(dropped.answer)}`);
  // Never before the configured timeout (the server counts from the request's first byte, which it sees after we sent it).
  assert.ok(dropped.heldMs >= timeoutMs - 5, `closed after ${dropped.heldMs} ms, before the ${timeoutMs} ms timeout`);
}

/** While `slow` runs, a normal client keeps being answered. */
async function servedMeanwhile(url: string, slow: Promise<unknown>): Promise<number> {
  let served = 0;
  let done = false;
  void slow.finally(() => {
    done = true;
  });
  for (let i = 0; i < 100 && !done; i++) {
    const response = await get(`${url}/thread`);
    assert.equal(response.status, 200);
    served++;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await slow;
  return served;
}

const timeouts = ['--request-timeout', String(REQUEST_TIMEOUT), '--headers-timeout', String(HEADERS_TIMEOUT), '--info-url', '/_gopool'];

describe('slow clients, every handler on the pool', () => {
  let app: App;
  let port: number;
  before(async () => {
    app = await startApp(join(FIXTURES, 'pool-app.js'), [...timeouts, '--ingress-threads', '1', '--cheap-route-ms', '0']);
    port = Number(new URL(app.url).port);
  });
  after(() => app?.stop());

  test('a body trickled byte by byte: 408 and closed after request-timeout, others served meanwhile', async () => {
    const slow = Promise.all([1, 2, 3].map(async () => trickle(await connect(port), SLOW_BODY_HEAD, ' ')));
    const served = await servedMeanwhile(app.url, slow);
    for (const dropped of await slow) assertDropped(dropped, REQUEST_TIMEOUT);
    assert.ok(served > 0);
  });

  test('headers trickled line by line: 408 and closed after headers-timeout', async () => {
    assertDropped(await trickle(await connect(port), SLOW_HEADERS_HEAD, 'X-Slow: 1\r\n'), HEADERS_TIMEOUT);
  });

  test('a kept-alive connection idle longer than both timeouts is still served', async () => {
    const socket = await connect(port);
    try {
      // The master hands its connections off to ingress threads only while they listen: none here.
      assert.match(await requestOn(socket, '/thread'), /^HTTP\/1\.1 200 /);
      await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT + 500));
      assert.match(await requestOn(socket, '/thread'), /^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
    }
  });

  test('the dropped requests are counted in the metrics', async () => {
    const count = await until(async () => {
      const n = (await get(`${app.url}/_gopool`)).json().requestTimeouts as number;
      return n >= 4 ? n : undefined;
    }, 5000);
    assert.equal(count, 4);
    assert.match((await get(`${app.url}/_gopool/metrics`)).text, /^gopool_http_request_timeouts_total 4$/m);
  });
});

describe('slow clients on connections an ingress thread accepts', () => {
  let app: App;
  let port: number;
  before(async () => {
    app = await startApp(join(FIXTURES, 'pool-app.js'), [...timeouts, '--ingress-threads', '1', '--min-ingress-threads', '1', '--cheap-route-ms', '50']);
    port = Number(new URL(app.url).port);
  });
  after(() => app?.stop());

  /**
   * A connection the ingress thread accepted: while ingress threads listen, the master answers
   * its own connections with `Connection: close`, so one kept alive after a request is the thread's.
   */
  async function ingressConnection(): Promise<net.Socket> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const socket = await connect(port);
      const response = await requestOn(socket, '/thread');
      if (!/\r\nconnection: close\r\n/i.test(response)) return socket;
      socket.destroy();
    }
    throw new Error('no connection landed on the ingress thread in 50 tries');
  }

  test("a trickled body on an ingress thread's connection: 408 and closed after request-timeout, others served meanwhile", async () => {
    const slow = Promise.all([1, 2].map(async () => trickle(await ingressConnection(), SLOW_BODY_HEAD, ' ')));
    const served = await servedMeanwhile(app.url, slow);
    for (const dropped of await slow) assertDropped(dropped, REQUEST_TIMEOUT);
    assert.ok(served > 0);
  });

  test("trickled headers on an ingress thread's connection: 408 and closed after headers-timeout", async () => {
    assertDropped(await trickle(await ingressConnection(), SLOW_HEADERS_HEAD, 'X-Slow: 1\r\n'), HEADERS_TIMEOUT);
  });

  test("what ingress threads dropped is counted in the master's metrics", async () => {
    const count = await until(async () => {
      const n = (await get(`${app.url}/_gopool`)).json().requestTimeouts as number;
      return n >= 3 ? n : undefined;
    }, 5000);
    assert.equal(count, 3);
  });
});
