// The daemon's listening socket once nobody will serve: connections are refused, not queued.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CRASH_LOOP_APP, connectOutcome, crashFirstMaster, crashLoopEnv, status, untilLogged } from './helpers/daemon';
import { get, until } from './helpers/http';
import { CLI, FIXTURES, runToEnd, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

describe('the listening socket closes when nobody will serve', () => {
  test('a daemon that gave up (crash loop, in the background) refuses connections and says so', async () => {
    const home = tempHome();
    const env = crashLoopEnv(home);
    const started = await runToEnd(process.execPath, [CLI, 'start', CRASH_LOOP_APP, '--daemon', '--name', 'closer', '--port', '0'], { env });
    assert.equal(started.code, 0, started.output);
    const port = Number(started.output.match(/on http:\/\/[\d.]+:(\d+)/)![1]);
    await crashFirstMaster(`http://127.0.0.1:${port}`);
    // The daemon logs that it gives up once it is errored.
    await untilLogged(home, 'closer', 'not restarting the master');
    const s = await status(home, 'closer');
    assert.equal(s.state, 'errored');
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
