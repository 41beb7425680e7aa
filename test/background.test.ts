// The daemon in the background: `gopool start --daemon`, then status, logs and stop by name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alive, CRASH_LOOP_APP, crashFirstMaster, crashLoopEnv, status, untilLogged } from './helpers/daemon';
import { get } from './helpers/http';
import { CLI, FIXTURES, run, runToEnd, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

describe('background mode', () => {
  test('--daemon returns once ready; status, logs, stop find it by name; two names coexist', async () => {
    const home = tempHome();
    const env = { GOPOOL_HOME: home };
    const started = await runToEnd(process.execPath, [CLI, 'start', APP, '--daemon', '--name', 'bg-one', '--port', '0'], { env });
    assert.equal(started.code, 0, started.output);
    const url = started.output.match(/on (http:\/\/\S+)/)![1]!;
    assert.equal((await get(`${url}/thread`)).status, 200, 'ready when start returned');
    const second = await runToEnd(process.execPath, [CLI, 'start', APP, '--daemon', '--name', 'bg-two', '--port', '0'], { env });
    assert.equal(second.code, 0, second.output);
    const duplicate = await runToEnd(process.execPath, [CLI, 'start', APP, '--daemon', '--name', 'bg-one', '--port', '0'], { env });
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.output, /an instance named "bg-one" is already running/);

    const table = await runToEnd(process.execPath, [CLI, 'status'], { env });
    assert.match(table.output, /^bg-one\s+online\s+\d+/m);
    assert.match(table.output, /^bg-two\s+online\s+\d+/m);
    const one = await status(home, 'bg-one');
    assert.ok(one.daemon.rssBytes > 0 && one.daemon.privateBytes > 0 && one.master.pool.threads >= 0);
    assert.equal(readFileSync(join(home, 'bg-one.pid'), 'utf8').trim(), String(one.daemon.pid));
    assert.equal(statSync(join(home, 'bg-one.sock')).mode & 0o777, 0o600, 'only the owner can use the control socket');
    assert.equal(statSync(home).mode & 0o777, 0o700);

    await get(`${url}/log/1`);
    // The line in the log file first (a read of it, where polling `gopool logs` would start a process each time).
    await untilLogged(home, 'bg-one', 'console line 0 from a handler');
    const logs = await runToEnd(process.execPath, [CLI, 'logs', 'bg-one', '-n', '200'], { env });
    assert.match(logs.output, /listening on http/);
    assert.match(logs.output, /^\d{4}-\d\d-\d\dT\S+ \[thread \d+\] console line 0 from a handler$/m, 'timestamped, thread identified');

    const follow = run(process.execPath, [CLI, 'logs', 'bg-one', '-f', '-n', '1'], { env });
    await follow.waitForLine(() => true); // the tail is printed: it follows from here
    await get(`${url}/log/1`);
    await follow.waitForLine((line) => line.includes('console line 0 from a handler'));
    await follow.stop();

    // Each daemon's pid from its pid file (bg-one's was checked against its status above).
    for (const name of ['bg-one', 'bg-two']) {
      const daemonPid = Number(readFileSync(join(home, `${name}.pid`), 'utf8').trim());
      assert.ok(alive(daemonPid), `${name}'s daemon runs`);
      const stop = await runToEnd(process.execPath, [CLI, 'stop', name], { env });
      assert.equal(stop.code, 0, stop.output);
      assert.ok(!alive(daemonPid));
    }
    const none = await runToEnd(process.execPath, [CLI, 'status'], { env });
    assert.match(none.output, /no instance is running/);
  });

  test('--daemon reports a start failure with its reason and a non-zero exit', async () => {
    const result = await runToEnd(process.execPath, [CLI, 'start', join(FIXTURES, 'broken-throws.mjs'), '--daemon', '--port', '0'], {
      env: { GOPOOL_HOME: tempHome() },
    });
    assert.equal(result.code, 1);
    assert.match(result.output, /^gopool: app file .* failed to load: Error: the app refuses to load/m);
  });

  test('a crash loop in the background: the daemon stays, status says errored and why', async () => {
    const home = tempHome();
    const env = crashLoopEnv(home);
    const started = await runToEnd(process.execPath, [CLI, 'start', CRASH_LOOP_APP, '--daemon', '--name', 'loopy', '--port', '0'], { env });
    assert.equal(started.code, 0, started.output);
    await crashFirstMaster(started.output.match(/on (http:\/\/\S+)/)![1]!);
    // The daemon logs that it gives up once it is errored.
    await untilLogged(home, 'loopy', 'not restarting the master');
    const s = await status(home, 'loopy');
    assert.equal(s.state, 'errored');
    assert.match(s.error, /crash loop: 5 crashes within 60 s; last: exit code 1/);
    assert.equal(s.restarts, 4);
    const table = await runToEnd(process.execPath, [CLI, 'status'], { env });
    assert.match(table.output, /^loopy\s+errored \(crash loop/m);
    const stop = await runToEnd(process.execPath, [CLI, 'stop', 'loopy'], { env });
    assert.equal(stop.code, 0, stop.output);
  });

  test('logs are rotated by size and the retention limit is kept', async () => {
    const home = tempHome();
    const env = { GOPOOL_HOME: home };
    const started = await runToEnd(
      process.execPath,
      [CLI, 'start', APP, '--daemon', '--name', 'rotor', '--port', '0', '--log-max-bytes', '4096', '--log-files', '2'],
      { env },
    );
    assert.equal(started.code, 0, started.output);
    const url = started.output.match(/on (http:\/\/\S+)/)![1]!;
    for (let i = 0; i < 30; i++) await get(`${url}/log/20`);
    const stop = await runToEnd(process.execPath, [CLI, 'stop', 'rotor'], { env });
    assert.equal(stop.code, 0);
    const files = readdirSync(join(home, 'logs')).sort();
    assert.deepEqual(files, ['rotor.log', 'rotor.log.1', 'rotor.log.2'], 'current + 2 rotated, older ones dropped');
    for (const file of files) {
      const text = readFileSync(join(home, 'logs', file), 'utf8');
      assert.ok(Buffer.byteLength(text) <= 4096 + 200, `${file} stays near the limit`);
      for (const line of text.split('\n').filter(Boolean)) {
        assert.ok(line.startsWith('{') ? JSON.parse(line) : /^\d{4}-\d\d-\d\dT[\d:.]+Z /.test(line), `whole, stamped line: ${line}`);
      }
    }
  });
});
