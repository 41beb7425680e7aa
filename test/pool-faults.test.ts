// The pool when handlers misbehave or wait: faults stay on their thread, I/O-bound handlers share
// one, idle threads never stall, heavy tasks are handed on, threads above the CPU count.
// (The pool's elasticity, queue and timeouts: pool.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, startApp, tempDir } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');
const info = async (app: App) => (await get(`${app.url}/_info`)).json().pool;

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

// One instance for the three: one thread, kept however idle (--idle-timeout 60000: the idle test
// needs it to stay, and I/O-bound handlers one thread), on one CPU (--cpus 1: the next heavy
// task is sent to the busy thread at once). The heavy-task test ends its thread: it runs last.
describe('one pool thread', () => {
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
      '--idle-timeout',
      '60000',
      '--cpus',
      '1',
    ]);
  });
  after(async () => {
    await app.stop();
    server.close();
  });

  describe('I/O-bound handlers share a thread', () => {
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
    test('sent to a busy thread, it goes back to the queue if that thread dies first, and is served', async () => {
      const file = join(tempDir('gopool-next-'), 'exit');
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
