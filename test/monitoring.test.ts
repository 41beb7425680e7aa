// Monitoring: the JSON and Prometheus endpoints, health, token, the separate port, the cost
// switch, `gopool status` and `gopool monit`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { freePort } from './helpers/ports';
import { type App, CLI, FIXTURES, runToEnd, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

describe('metrics endpoints', () => {
  let app: App;
  const home = tempHome();
  before(async () => {
    app = await startApp(APP, ['--name', 'mon', '--info-url', '/_gopool', '--max-threads', '2'], { GOPOOL_HOME: home });
    for (let i = 0; i < 20; i++) await get(`${app.url}/thread`);
    await Promise.all([get(`${app.url}/spin/50`), get(`${app.url}/spin/50`)]);
    await get(`${app.url}/no/such/route`);
    await get(`${app.url}/throw`);
    await get(`${app.url}/master/thread`);
  });
  after(() => app.stop());

  test('JSON: per route counts, status classes and latency; pool, threads, master, daemon', async () => {
    const s = await until(async () => {
      const snapshot = (await get(`${app.url}/_gopool`)).json();
      return snapshot.threads.length > 0 && snapshot.threads.every((t: any) => t.heapUsedBytes > 0) && snapshot.daemon ? snapshot : undefined;
    });
    const route = (key: string) => s.routes.find((r: any) => `${r.method} ${r.route}` === key);
    assert.equal(route('GET /thread').count, 20);
    assert.equal(route('GET /thread').status['2xx'], 20);
    assert.ok(route('GET /thread').latencyMs.p99 > 0);
    assert.equal(route('GET /spin/:ms').count, 2);
    assert.ok(route('GET /spin/:ms').latencyMs.p50 >= 40, 'the latency of a 50 ms handler');
    assert.equal(route('GET (no route)').status['4xx'], 1);
    assert.equal(route('GET /throw').status['5xx'], 1);
    assert.equal(route('GET /master/thread').count, 1, 'master routes are counted too');
    assert.ok(!s.routes.some((r: any) => r.route.startsWith('/_gopool')), 'monitoring does not count itself');
    assert.equal(s.pool.maxThreads, 2);
    // /spin and /throw on the pool (not measured yet), and /thread until it is measured there.
    assert.ok(s.pool.completed >= 3);
    assert.ok(s.pool.runMs.p99 > 0 && s.pool.waitMs.count >= 3);
    for (const t of s.threads)
      assert.ok(t.utilization >= 0 && t.utilization <= 1 && t.heapUsedBytes > 0, `thread ${t.threadId}: utilization ${t.utilization}, heap ${t.heapUsedBytes}`);
    // Each thread's OS id: a task of the master process (for per-thread CPU from /proc).
    for (const t of s.threads) assert.ok(t.tid > 0 && existsSync(`/proc/${s.pid}/task/${t.tid}`), `thread ${t.threadId}: tid ${t.tid}`);
    assert.ok(s.master.rssBytes > 0 && s.master.eventLoopDelayP99Ms >= 0);
    assert.equal(s.daemon.restarts, 0);
    assert.ok(s.ready);
  });

  test('Prometheus text passes promtool check metrics', async () => {
    const r = await get(`${app.url}/_gopool/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    for (const family of [
      'gopool_http_requests_total',
      'gopool_http_request_duration_seconds',
      'gopool_pool_threads',
      'gopool_pool_queue_depth',
      'gopool_pool_task_wait_seconds',
      'gopool_thread_event_loop_utilization_ratio',
      'gopool_thread_heap_used_bytes',
      'gopool_master_event_loop_delay_p99_seconds',
      'gopool_master_resident_memory_bytes',
      'gopool_daemon_restarts_total',
      'gopool_daemon_uptime_seconds',
    ]) {
      assert.match(r.text, new RegExp(`^# TYPE ${family} `, 'm'), family);
    }
    assert.match(r.text, /^gopool_http_requests_total\{method="GET",route="\/thread",status="2xx"\} 20$/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no lint findings');
  });

  test('gopool status shows requests/s and p99 per instance', async () => {
    const table = await runToEnd(process.execPath, [CLI, 'status'], { env: { GOPOOL_HOME: home } });
    assert.match(table.output, /req\/s\s+p99/);
    assert.match(table.output, /^mon\s+online\s+\d+\s+\S+\s+0\s+\d\/2\s+0\s+[\d.]+\s+[\d.]+ ms/m);
  });

  test('gopool monit draws thread bars and routes every second, and quits on q', async () => {
    const child = spawn(process.execPath, [CLI, 'monit', 'mon'], { env: { ...process.env, GOPOOL_HOME: home }, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await until(async () => /^ {2}#\d+ +[█░]{24} +\d+%/m.test(out) && out.includes('GET /thread'), 10_000);
      await until(async () => out.split('gopool monit · mon · online').length > 2, 5000); // refreshed
      child.stdin.write('q');
      assert.equal(await exited, 0);
    } finally {
      child.kill();
    }
  });

  // On the same instance, once the tests above are done with it: an idle master.
  describe('the master event-loop delay', () => {
    const delayMs = async (): Promise<number> => (await get(`${app.url}/_gopool`)).json().master.eventLoopDelayP99Ms;

    test('an idle master reads below half its 50 ms sampling interval, not the interval itself', async () => {
      // The figure is renewed once a second. Counting the sampling interval (the bug this
      // guards), no reading is ever under 50 ms; on a quiet machine an idle master reads under
      // 5 ms, but with other test files and their servers sharing two cores a second can read
      // 10 to 30 ms, so the test waits (bounded) for one under half the interval.
      const readings: number[] = [];
      await until(
        async () => {
          readings.push(await delayMs());
          return readings.at(-1)! < 25;
        },
        30_000,
        1000,
      ).catch((err) => {
        throw new Error(`idle master never under 25 ms: ${readings.join(', ')} (${err})`);
      });
    });

    test('a master blocked by a handler shows the blocking', async () => {
      assert.equal((await get(`${app.url}/inline-spin/300`)).status, 200);
      // Within the next readings (once a second), the blocking shows: at least the 300 ms less one interval.
      await until(async () => (await delayMs()) >= 200, 10_000);
    });
  });
});

describe('health, token and the monitoring port', () => {
  let app: App;
  let monitorPort: number;
  before(async () => {
    monitorPort = await freePort();
    app = await startApp(APP, ['--info-url', '/_gopool', '--monitor-token', 's3cret', '--monitor-port', String(monitorPort)]);
  });
  after(() => app.stop());

  test('the token guards everything but the health endpoints', async () => {
    assert.equal((await get(`${app.url}/_gopool`)).status, 401);
    assert.equal((await get(`${app.url}/_gopool/metrics`)).status, 401);
    assert.equal((await get(`${app.url}/_gopool/dashboard`)).status, 401);
    assert.equal((await get(`${app.url}/_gopool`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    assert.equal((await get(`${app.url}/_gopool/metrics?token=s3cret`)).status, 200);
    assert.equal((await get(`${app.url}/_gopool`, { headers: { authorization: 'Bearer wrong!' } })).status, 401);
    assert.equal((await get(`${app.url}/_gopool`, { headers: { authorization: 'Bearer s3cret-and-more' } })).status, 401);
    assert.equal((await get(`${app.url}/_gopool`, { headers: { authorization: 's3cret' } })).status, 401, 'a token without its scheme');
    assert.deepEqual((await get(`${app.url}/_gopool/livez`)).json(), { live: true });
    assert.deepEqual((await get(`${app.url}/_gopool/readyz`)).json(), { ready: true });
  });

  test('the Bearer scheme is case-insensitive (RFC 7235)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      assert.equal((await get(`${app.url}/_gopool/metrics`, { headers: { authorization: `${scheme} s3cret` } })).status, 200, scheme);
    }
    assert.equal((await get(`${app.url}/_gopool/metrics`, { headers: { authorization: 'bearer wrong!' } })).status, 401);
    assert.equal((await get(`${app.url}/_gopool/metrics`, { headers: { authorization: 'Basic s3cret' } })).status, 401, 'another scheme');
  });

  test('the monitoring port serves the same endpoints at its root', async () => {
    const base = `http://127.0.0.1:${monitorPort}`;
    // It binds in the background (a reloaded master waits for its predecessor's port).
    const bound = await app.waitForLine((line) => line.includes('monitoring endpoints listening') || line.includes('could not be opened'), 40_000);
    assert.match(bound, /monitoring endpoints listening/);
    assert.deepEqual((await get(`${base}/livez`)).json(), { live: true });
    assert.equal((await get(`${base}/metrics`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    assert.equal((await get(`${base}/metrics`)).status, 401);
    assert.equal((await get(`${app.url}/metrics`)).status, 404, 'not on the public port root');
  });

  test('/readyz turns 503 while the master drains', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ask = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get(`${app.url}${path}`, { agent }, (res) => {
            let body = '';
            res.on('data', (c) => {
              body += c;
            });
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          })
          .on('error', reject);
      });
    assert.equal((await ask('/_gopool/readyz')).status, 200);
    const slow = get(`${app.url}/sleep/1500`);
    await until(async () => (await get(`${app.url}/_gopool`, { headers: { authorization: 'Bearer s3cret' } })).json().pool.running === 1);
    app.child.kill('SIGTERM');
    await app.waitForLine((line) => line.includes('draining: no new connections'));
    // Same kept-alive connection: the draining master still answers it.
    const during = await ask('/_gopool/readyz');
    assert.equal(during.status, 503);
    assert.deepEqual(JSON.parse(during.body), { ready: false });
    assert.equal((await slow).status, 200);
    agent.destroy();
  });
});

describe('metrics off', () => {
  test('metrics: false records no requests (the JSON still answers)', async () => {
    const app = await startApp(APP, ['--info-url', '/_gopool', '--metrics', 'false']);
    try {
      for (let i = 0; i < 5; i++) await get(`${app.url}/thread`);
      const s = (await get(`${app.url}/_gopool`)).json();
      assert.deepEqual(s.routes, []);
      assert.ok(s.pool.completed >= 5);
    } finally {
      await app.stop();
    }
  });
});
