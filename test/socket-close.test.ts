// The daemon's listening socket once nobody will serve: connections are refused, not queued.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connectOutcome, status } from './helpers/daemon';
import { get, until } from './helpers/http';
import { CLI, FIXTURES, runToEnd, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

describe('the listening socket closes when nobody will serve', () => {
  test('a daemon that gave up (crash loop, in the background) refuses connections and says so', async () => {
    const home = tempHome();
    // 1 s before each crash: the first start is online first, however busy the machine.
    const env = { GOPOOL_HOME: home, GOPOOL_TEST_CRASH_AFTER_MS: '3000' };
    const started = await runToEnd(process.execPath, [CLI, 'start', join(FIXTURES, 'crash-loop-app.js'), '--daemon', '--name', 'closer', '--port', '0'], {
      env,
    });
    assert.equal(started.code, 0, started.output);
    const port = Number(started.output.match(/on http:\/\/[\d.]+:(\d+)/)![1]);
    const s = await until(async () => {
      const current = await status(home, 'closer');
      return current.state === 'errored' ? current : undefined;
    }, 60_000);
    assert.equal(s.listening, null, 'status: no listening socket');
    assert.equal(await connectOutcome(port), 'ECONNREFUSED');
    const logs = await runToEnd(process.execPath, [CLI, 'logs', 'closer', '-n', '50'], { env });
    assert.match(logs.output, /listening socket closed, connections are refused/);
    const stop = await runToEnd(process.execPath, [CLI, 'stop', 'closer'], { env });
    assert.equal(stop.code, 0, stop.output);
  });

  test('a graceful stop refuses new connections at once while in-flight requests finish', async () => {
    const app = await startApp(APP, ['--name', 'refuser', '--info-url', '/_info', '--ingress-threads', '1', '--cheap-route-ms', '0'], {
      GOPOOL_HOME: tempHome(),
    });
    const port = Number(new URL(app.url).port);
    let slowDone = false;
    const slow = get(`${app.url}/sleep/3000`).then((r) => {
      slowDone = true;
      return r;
    });
    await until(async () => (await get(`${app.url}/_info`)).json().pool.running === 1);
    app.child.kill('SIGTERM');
    await app.waitForLine((line) => line.includes('draining: no new connections'));
    // The master closes its descriptor as it starts draining; bounded wait for that step.
    const refused = await until(async () => (await connectOutcome(port)) === 'ECONNREFUSED', 10_000);
    assert.ok(refused);
    assert.equal(slowDone, false, 'refused while the drain was still going on, not after it');
    assert.equal((await slow).status, 200, 'the in-flight request finished');
    assert.deepEqual(await app.exited, { code: 0, signal: null });
  });
});
