// The elastic pool under real requests: growth and retirement, back pressure, timeouts,
// stuck and crashing threads, I/O concurrency, and idle threads that do not stall.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, startApp } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');
const info = async (app: App) => (await get(`${app.url}/_info`)).json().pool;

describe('elastic threads', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, [
      '--ingress-threads',
      '1',
      '--cheap-route-ms',
      '0',
      '--info-url',
      '/_info',
      '--min-threads',
      '0',
      '--max-threads',
      '2',
      '--idle-timeout',
      '300',
    ]);
  });
  after(() => app.stop());

  test('threads start on demand up to max-threads and retire after idle-timeout', async () => {
    // The start-up thread retires first: min-threads is 0.
    await until(async () => (await info(app)).threads === 0);
    // Two CPU-bound requests at once need two threads.
    const [a, b] = await Promise.all([get(`${app.url}/spin/300`), get(`${app.url}/spin/300`)]);
    assert.notEqual(a.json().threadId, b.json().threadId, 'the two requests ran on two threads at once');
    const busy = await info(app);
    assert.equal(busy.threads, 2);
    assert.equal(busy.threadsStarted >= 3, true);
    // And with no work they go away again.
    await until(async () => (await info(app)).threads === 0);
  });

  test('never more than max-threads, the rest waits in the central queue', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => get(`${app.url}/spin/100`)));
    assert.ok(results.every((r) => r.status === 200));
    assert.ok(new Set(results.map((r) => r.json().threadId)).size <= 2);
    assert.ok((await info(app)).threads <= 2);
  });
});

describe('cheap requests overtake heavy ones', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--min-threads', '2', '--max-threads', '2']);
  });
  after(() => app.stop());

  test('a cheap route does not wait behind queued CPU-heavy requests', async () => {
    // Let the pool measure both routes: /thread cheap, /spin heavy.
    for (let i = 0; i < 20; i++) await get(`${app.url}/thread`);
    await get(`${app.url}/spin/300`);
    const heavy = Array.from({ length: 10 }, () => get(`${app.url}/spin/300`));
    let heavyDone = 0;
    for (const request of heavy) void request.then(() => heavyDone++);
    await until(async () => (await info(app)).queued >= 5);
    assert.equal((await get(`${app.url}/thread`)).status, 200);
    // FIFO would answer it after the 5+ heavy ones queued before it; it only waits for a thread
    // to be free: the 2 running heavy ones and the next one each thread was sent already.
    assert.ok(heavyDone <= 4, `the cheap request was answered after ${heavyDone} of 10 heavy ones`);
    assert.ok((await Promise.all(heavy)).every((r) => r.status === 200));
  });
});

describe('back pressure', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, [
      '--ingress-threads',
      '1',
      '--cheap-route-ms',
      '0',
      '--info-url',
      '/_info',
      '--min-threads',
      '1',
      '--max-threads',
      '1',
      '--max-queue',
      '1',
    ]);
  });
  after(() => app.stop());

  test('a full queue answers 503 with Retry-After at once', async () => {
    const running = get(`${app.url}/spin/1500`);
    await until(async () => (await info(app)).running === 1);
    const queued = get(`${app.url}/spin/10`);
    await until(async () => (await info(app)).queued === 1);
    let runningDone = false;
    void running.then(() => {
      runningDone = true;
    });
    const rejected = await get(`${app.url}/spin/10`);
    assert.equal(rejected.status, 503);
    assert.equal(rejected.headers.get('retry-after'), '1');
    assert.equal(runningDone, false, 'answered while the queue is still full, not once it drained');
    assert.equal((await running).status, 200);
    assert.equal((await queued).status, 200);
    assert.equal((await info(app)).rejected, 1);
  });
});

describe('timeouts and stuck threads', () => {
  let app: App;
  // Both threads up from the start: the stuck handler must reach a thread before its timeout.
  before(async () => {
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--min-threads', '2', '--max-threads', '2']);
  });
  after(() => app.stop());

  test('an awaiting handler past its timeout gets 504 quickly; its thread lives on', async () => {
    const before = await info(app);
    const r = await get(`${app.url}/timeout/async`);
    assert.equal(r.status, 504);
    // The handler sleeps 5 s and would answer 200: a 504 is the route's timeout answering.
    assert.equal((await info(app)).threadsReplaced, before.threadsReplaced);
  });

  test('a handler stuck in synchronous code gets 504 and its thread is replaced', async () => {
    const before = await info(app);
    // Keep one thread inside a synchronous handler so the stuck one must run on another.
    const other = get(`${app.url}/spin/1000`);
    await until(async () => (await info(app)).running === 1);
    const r = await get(`${app.url}/timeout/stuck`);
    assert.equal(r.status, 504);
    await until(async () => (await info(app)).threadsReplaced === before.threadsReplaced + 1);
    assert.equal((await get(`${app.url}/thread`)).status, 200, 'the pool serves again');
    assert.equal((await other).status, 200, 'a request on another thread was unaffected');
  });

  test('a handler stuck after an await is found by the watchdog and its thread replaced', async () => {
    const before = await info(app);
    assert.equal((await get(`${app.url}/timeout/stuck-after-await`)).status, 504);
    await until(async () => (await info(app)).threadsReplaced === before.threadsReplaced + 1, 10_000);
    assert.equal((await get(`${app.url}/thread`)).status, 200);
  });
});

describe('faults stay local', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--max-threads', '2', '--max-thread-memory', '48']);
  });
  after(() => app.stop());

  test('a thread that crashes fails only its own requests and is replaced', async () => {
    const before = await info(app);
    const r = await get(`${app.url}/crash`);
    assert.equal(r.status, 500, `the request whose handler crashed the thread: ${r.text}`);
    assert.equal(r.json().code, 'GOPOOL_ERR_HANDLER_CRASHED');
    await app.waitForLine((l) => l.includes('thread crash test'));
    await until(async () => (await info(app)).threadsReplaced === before.threadsReplaced + 1);
    assert.equal((await get(`${app.url}/thread`)).status, 200);
  });

  test('a thread over max-thread-memory is replaced; its request gets 503', async () => {
    const r = await get(`${app.url}/oom`);
    assert.equal(r.status, 503);
    await app.waitForLine((l) => l.includes('ran out of memory'));
    assert.equal((await get(`${app.url}/thread`)).status, 200);
  });
});

describe('I/O-bound handlers share a thread', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--min-threads', '1', '--max-threads', '1']);
  });
  after(() => app.stop());

  test('one thread serves 50 awaiting requests at once', async () => {
    // Every handler awaits a callback that is only answered once all 50 have called: run one
    // at a time, the first would wait for ever.
    const waiting: Array<() => void> = [];
    const gate = createServer((_req, res) => {
      waiting.push(() => res.end('go'));
      if (waiting.length === 50) for (const release of waiting) release();
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const callback = encodeURIComponent(`http://127.0.0.1:${(gate.address() as AddressInfo).port}/`);
    try {
      const results = await Promise.all(Array.from({ length: 50 }, () => get(`${app.url}/started-then-sleep/10?callback=${callback}`)));
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(new Set(results.map((r) => r.json().threadId)).size, 1, 'all on one thread');
      assert.equal(waiting.length, 50, 'all 50 were awaiting at once');
    } finally {
      gate.close();
    }
  });
});

describe('idle threads never stall', () => {
  let app: App;
  let callbackUrl: string;
  const lateness: number[] = [];
  const server = createServer((req, res) => {
    lateness.push(Number(new URL(req.url!, 'http://x').searchParams.get('late')));
    res.end('ok');
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--min-threads', '1', '--max-threads', '1', '--idle-timeout', '60000']);
  });
  after(async () => {
    await app.stop();
    server.close();
  });

  test('work a handler did not await completes on time with the pool idle for seconds', async () => {
    const r = await get(`${app.url}/fire-and-forget?delay=3000&callback=${encodeURIComponent(callbackUrl)}`);
    assert.equal(r.status, 200);
    // No request reaches the pool from here on; the thread sits idle for 3 s.
    // A stalled thread would run the timer only when the next task arrives, and none does.
    await until(async () => lateness.length === 1, 10_000);
    process.stdout.write(`  the idle thread's timer fired ${lateness[0]} ms late\n`);
  });
});

describe('the next heavy task of a thread', () => {
  let app: App;
  before(async () => {
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--cpus', '1', '--max-threads', '1']);
  });
  after(() => app.stop());

  test('sent to a busy thread, it goes back to the queue if that thread dies first, and is served', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gopool-next-')), 'exit');
    const dying = get(`${app.url}/exit-when?file=${encodeURIComponent(file)}`);
    await until(async () => existsSync(`${file}.started`));
    // Heavy work fills the one CPU: the next heavy request is sent to that thread at once.
    const behind = get(`${app.url}/spin/20`);
    await until(async () => (await info(app)).running === 2);
    writeFileSync(`${file}.go`, '');
    assert.equal((await dying).json().code, 'GOPOOL_ERR_THREAD_EXIT');
    const served = await behind;
    assert.equal(served.status, 200, `the request behind the dying thread: ${served.text}`);
  });
});

describe('more threads than CPUs', () => {
  // Given, not detected: the test needs nothing of gopool's but its CLI, and the cap is the option.
  const CPUS = 2;
  let app: App;
  before(async () => {
    app = await startApp(APP, [
      '--cpus',
      String(CPUS),
      '--ingress-threads',
      '1',
      '--cheap-route-ms',
      '0',
      '--info-url',
      '/_info',
      '--min-threads',
      '0',
      '--max-threads',
      String(CPUS * 2),
    ]);
  });
  after(() => app.stop());

  test('CPU-heavy work runs on at most CPU-count threads at once; the rest waits in the queue', async () => {
    const results = await Promise.all(Array.from({ length: CPUS * 4 }, () => get(`${app.url}/spin/200`)));
    assert.ok(results.every((r) => r.status === 200));
    const stats = await info(app);
    assert.ok(stats.threadsStarted <= CPUS, `${stats.threadsStarted} threads started for heavy work on ${CPUS} CPUs`);
  });

  test('handlers that wait on I/O are not capped: past --concurrency per thread, threads beyond the CPU count start', async () => {
    // 64 awaiting requests per thread (--concurrency): 200 at once need more than 2 threads.
    const results = await Promise.all(Array.from({ length: 200 }, () => get(`${app.url}/sleep/300`)));
    assert.ok(results.every((r) => r.status === 200));
    const stats = await info(app);
    assert.ok(stats.threadsStarted > CPUS, `${stats.threadsStarted} threads started`);
  });
});
