// The elastic pool under real requests: growth and retirement, cheap requests before heavy
// ones, back pressure, timeouts and stuck threads. (Faults, I/O and idle threads: pool-faults.test.ts.)
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, startApp, tempDir } from './helpers/processes';

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
      '2000',
    ]);
  });
  after(() => app.stop());

  test('threads start on demand up to max-threads and retire after idle-timeout', async () => {
    // The start-up thread retires first: min-threads is 0.
    await until(async () => (await info(app)).threads === 0);
    // Two CPU-bound requests at once need two threads: each spins until both run (a 300 ms spin
    // could end before a second thread has started on a busy machine, and the first thread take
    // the second request). The idle timeout outlasts reading the count of threads after them.
    const barrier = join(tempDir('gopool-together-'), 'spin');
    const together = `${app.url}/spin-together?n=2&barrier=${encodeURIComponent(barrier)}`;
    const [a, b] = await Promise.all([get(together), get(together)]);
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

// One instance for both: the same options, and each test starts from idle threads.
describe('two threads from the start', () => {
  let app: App;
  // Both threads up from the start: the stuck handler must reach a thread before its timeout.
  before(async () => {
    app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--min-threads', '2', '--max-threads', '2']);
  });
  after(() => app.stop());

  describe('cheap requests overtake heavy ones', () => {
    test('a cheap route does not wait behind queued CPU-heavy requests', async () => {
      // The heavy requests spin until `go` exists, then 300 ms: none ends before the test has
      // seen them queued and the cheap one queued behind them, however slowly they arrive.
      const go = join(tempDir('gopool-overtake-'), 'go');
      const spinning = `${app.url}/spin-when?ms=300&go=${encodeURIComponent(go)}`;
      // Let the pool measure both routes: /thread cheap, /spin-when heavy.
      for (let i = 0; i < 20; i++) await get(`${app.url}/thread`);
      writeFileSync(go, '');
      await get(spinning);
      rmSync(go);
      const heavy = Array.from({ length: 10 }, () => get(spinning));
      let heavyDone = 0;
      for (const request of heavy) void request.then(() => heavyDone++);
      // All ten in the pool (each thread runs one and was sent the next), five or more queued.
      const queued = await until(async () => {
        const pool = await info(app);
        return pool.running + pool.queued === 10 && pool.queued >= 5 && pool.queued;
      });
      const cheap = get(`${app.url}/thread`);
      await until(async () => (await info(app)).queued === queued + 1);
      writeFileSync(go, '');
      assert.equal((await cheap).status, 200);
      // FIFO would answer it after the 5+ heavy ones queued before it; it only waits for a thread
      // to be free: the 2 running heavy ones and the next one each thread was sent already.
      assert.ok(heavyDone <= 4, `the cheap request was answered after ${heavyDone} of 10 heavy ones`);
      assert.ok((await Promise.all(heavy)).every((r) => r.status === 200));
    });
  });

  describe('timeouts and stuck threads', () => {
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
      // The replaced thread exits once interrupted: the handler it was stuck in never settles,
      // and must not keep it retiring (a stop would wait out its grace period for it).
      const retiring = async () => (await get(`${app.url}/_info`)).json().threads.filter((t: { state: string }) => t.state === 'retiring').length;
      await until(async () => (await retiring()) === 0, 10_000);
    });
  });
});
