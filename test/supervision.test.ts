// The daemon, against real processes under load: master crashes, reloads, stops, crash loops,
// background mode and its management commands.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { steadyLoad, summarize } from './helpers/load';
import { CLI, FIXTURES, logRecords, ROOT, run, runToEnd, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function status(home: string, name: string): Promise<any> {
  const result = await runToEnd(process.execPath, [CLI, 'status', name, '--json'], { env: { GOPOOL_HOME: home } });
  assert.equal(result.code, 0, result.output);
  return JSON.parse(result.output)[0];
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('master crash under load', () => {
  test('kill -9 of the master: no connection refused, only in-flight requests fail, then a new master serves', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'kill9', '--min-threads', '1'], { GOPOOL_HOME: home });
    try {
      const firstPid: number = (await get(`${app.url}/thread`)).json().pid;
      const load = steadyLoad(`${app.url}/thread`, { connections: 8, durationMs: 4000 });
      await until(async () => load.outcomes.length > 300);
      const killedAt = Date.now();
      process.kill(firstPid, 'SIGKILL');
      const outcomes = await load.done;
      const refused = outcomes.filter((o) => o.error === 'ECONNREFUSED');
      assert.equal(refused.length, 0, `no connection refused (${summarize(outcomes)})`);
      const failed = outcomes.filter((o) => o.error || o.status !== 200);
      // Each of the 8 connections loses at most the request it had on the dead master.
      assert.ok(failed.length <= 8, `only in-flight requests failed (${summarize(outcomes)})`);
      const recovered = outcomes.filter((o) => o.status === 200 && o.pid !== firstPid).sort((a, b) => a.end - b.end)[0];
      assert.ok(recovered, 'a new master answered');
      for (const f of failed) assert.ok(f.start < recovered.end, `no request fails once the new master serves: ${f.error ?? f.status}`);
      process.stdout.write(`  kill -9 under load: ${summarize(outcomes)}; failed ones were in flight; back in ${recovered.end - killedAt} ms\n`);
      await app.waitForLine((line) => line.includes('master died (signal SIGKILL)'));
    } finally {
      await app.stop();
    }
  });
});

describe('zero-downtime reload', () => {
  test('gopool reload under continuous load: zero failed requests, a new master takes over', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'reload', '--min-threads', '1'], { GOPOOL_HOME: home });
    try {
      const firstPid: number = (await get(`${app.url}/thread`)).json().pid;
      // The load runs until the new master has answered some of it, however long the reload
      // takes on a busy machine (bounded by the 60 s of the load).
      const load = steadyLoad(`${app.url}/thread`, { connections: 8, durationMs: 60_000 });
      await until(async () => load.outcomes.length > 300);
      const reload = await runToEnd(process.execPath, [CLI, 'reload', 'reload'], { env: { GOPOOL_HOME: home } });
      assert.equal(reload.code, 0, reload.output);
      assert.match(reload.output, /reloaded: master pid \d+/);
      await until(async () => load.outcomes.filter((o) => o.pid !== undefined && o.pid !== firstPid).length > 100, 30_000);
      load.stop();
      const outcomes = await load.done;
      const failed = outcomes.filter((o) => o.error || o.status !== 200);
      assert.equal(failed.length, 0, summarize(outcomes));
      const pids = new Set(outcomes.map((o) => o.pid));
      assert.ok(pids.has(firstPid) && pids.size === 2, `answered by the old and then the new master: ${[...pids].join(', ')}`);
      assert.ok(!alive(firstPid), 'the old master exited');
      process.stdout.write(`  reload under load: ${summarize(outcomes)}\n`);
    } finally {
      await app.stop();
    }
  });

  test('reload loads the code afresh', async () => {
    // The app lives under the repository so that require('gopool') resolves.
    const dir = join(ROOT, 'test', '.tmp', `reload-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'app.js');
    const version = (v: string) => `const { gopool } = require('gopool');\ngopool.get('/version', () => ({ version: '${v}' }));\nmodule.exports = gopool;\n`;
    writeFileSync(file, version('one'));
    const home = tempHome();
    const app = await startApp(file, ['--name', 'fresh'], { GOPOOL_HOME: home });
    try {
      assert.deepEqual((await get(`${app.url}/version`)).json(), { version: 'one' });
      writeFileSync(file, version('two'));
      const reload = await runToEnd(process.execPath, [CLI, 'reload', 'fresh'], { env: { GOPOOL_HOME: home } });
      assert.equal(reload.code, 0, reload.output);
      assert.deepEqual((await get(`${app.url}/version`)).json(), { version: 'two' });
      // A reload that cannot load the new code keeps the old master serving.
      writeFileSync(file, 'this is not javascript');
      const failed = await runToEnd(process.execPath, [CLI, 'reload', 'fresh'], { env: { GOPOOL_HOME: home } });
      assert.equal(failed.code, 1);
      assert.match(failed.output, /reload failed: app file .* failed to load: SyntaxError/);
      assert.deepEqual((await get(`${app.url}/version`)).json(), { version: 'two' });
    } finally {
      await app.stop();
    }
  });

  test('SIGHUP to the daemon reloads too', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'hup'], { GOPOOL_HOME: home });
    try {
      const before = await status(home, 'hup');
      process.kill(before.daemon.pid, 'SIGHUP');
      await until(async () => (await status(home, 'hup')).masterPid !== before.masterPid && (await get(`${app.url}/thread`)).json().pid !== before.masterPid);
    } finally {
      await app.stop();
    }
  });
});

describe('a stop while the master starts', () => {
  test('the daemon stops cleanly: the master drains as soon as it can, its late ready changes nothing', async () => {
    const app = run(process.execPath, [CLI, 'start', join(FIXTURES, 'slow-start-app.js'), '--port', '0']);
    await app.waitForLine((line) => line.includes('master started'));
    const exit = await app.stop();
    assert.equal(exit.code, 0, app.lines.join('\n'));
    assert.ok(!app.lines.some((line) => line.includes('GOPOOL_ERR_DAEMON_STATE')), 'no state error');
  });
});

describe('crash loop', () => {
  test('a master that keeps dying is restarted with backoff, then given up on: exit non-zero, reason logged', async () => {
    const started = Date.now();
    const result = await runToEnd(process.execPath, [CLI, 'start', join(FIXTURES, 'crash-loop-app.js'), '--port', '0'], {
      env: { GOPOOL_HOME: tempHome(), GOPOOL_TEST_CRASH_AFTER_MS: '3000' },
      ms: 60_000,
    });
    assert.notEqual(result.code, 0);
    const records = logRecords(result.output.split('\n'));
    const deaths = records.filter((r) => String(r.msg).startsWith('master died (exit code 1)'));
    assert.equal(deaths.length, 5, 'five crashes, then no more restarts');
    const delays = records.filter((r) => typeof r.delayMs === 'number').map((r) => r.delayMs);
    assert.deepEqual(delays, [100, 200, 400, 800], 'exponential backoff');
    assert.ok(
      records.some((r) => r.level === 60 && String(r.msg).includes('crash loop: 5 crashes within 60 s')),
      'the reason is logged',
    );
    assert.ok(result.output.includes('master crash for the crash-loop test'), 'the crash itself is in the log');
    process.stdout.write(`  crash loop detected after ${Date.now() - started} ms\n`);
  });
});

describe('graceful stop', () => {
  test('gopool stop lets in-flight slow requests complete, then frees the port and leaves no process', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'stopper', '--info-url', '/_info'], { GOPOOL_HOME: home });
    const port = Number(new URL(app.url).port);
    const { daemon, masterPid } = await status(home, 'stopper');
    const slow = Array.from({ length: 3 }, () => get(`${app.url}/sleep/1500`));
    await until(async () => (await get(`${app.url}/_info`)).json().pool.running === 3);
    const stop = runToEnd(process.execPath, [CLI, 'stop', 'stopper'], { env: { GOPOOL_HOME: home } });
    const results = await Promise.all(slow);
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200],
      'in-flight requests completed',
    );
    const stopped = await stop;
    assert.equal(stopped.code, 0, stopped.output);
    assert.match(stopped.output, /stopper stopped/);
    assert.deepEqual(await app.exited, { code: 0, signal: null });
    assert.ok(!alive(daemon.pid) && !alive(masterPid), 'no process left');
    assert.ok(await portIsFree(port), 'the port is free');
    assert.ok(!existsSync(join(home, 'stopper.sock')) && !existsSync(join(home, 'stopper.pid')), 'control socket and pid file removed');
  });

  test('a second signal forces the exit', async () => {
    const app = await startApp(APP, ['--name', 'force', '--info-url', '/_info'], { GOPOOL_HOME: tempHome() });
    const { pid: masterPid } = (await get(`${app.url}/thread`)).json();
    const slow = get(`${app.url}/sleep/8000`).catch(() => undefined);
    await until(async () => (await get(`${app.url}/_info`)).json().pool.running === 1);
    app.child.kill('SIGTERM');
    await app.waitForLine((line) => line.includes('stopping: draining the master'));
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    assert.equal(exit.code, 1);
    await until(async () => !alive(masterPid));
    await slow;
  });

  test('a master whose daemon is killed exits too (no orphans)', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'orphan'], { GOPOOL_HOME: home });
    const { daemon, masterPid } = await status(home, 'orphan');
    process.kill(daemon.pid, 'SIGKILL');
    await until(async () => !alive(masterPid), 15_000);
    await app.exited;
  });
});

describe('logs in the foreground', () => {
  test('console lines, from the master or a thread, on stdout or stderr, are stamped as in the log file; JSON lines are as written', async () => {
    const app = await startApp(APP);
    let stderr = '';
    app.child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    try {
      await get(`${app.url}/log/1`);
      await get(`${app.url}/log-master`);
      await get(`${app.url}/log-error`);
      const stamp = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';
      await app.waitForLine((line) => new RegExp(`^${stamp} \\[thread \\d+\\] console line 0 from a handler$`).test(line));
      await app.waitForLine((line) => new RegExp(`^${stamp} console line from the master$`).test(line));
      await until(async () => new RegExp(`^${stamp} \\[thread \\d+\\] console error line from a handler$`, 'm').test(stderr));
      // gopool's own lines: JSON from their first character, with their own time.
      const listening = app.lines.find((line) => line.includes(' listening on '))!;
      assert.ok(listening.startsWith('{'), listening);
      assert.equal(typeof JSON.parse(listening).time, 'string');
      for (const line of app.lines.filter(Boolean)) assert.ok(line.startsWith('{') || new RegExp(`^${stamp} `).test(line), `stamped: ${line}`);
    } finally {
      await app.stop();
    }
  });
});

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
    await until(async () => (await runToEnd(process.execPath, [CLI, 'logs', 'bg-one', '-n', '200'], { env })).output.includes('console line 0 from a handler'));
    const logs = await runToEnd(process.execPath, [CLI, 'logs', 'bg-one', '-n', '200'], { env });
    assert.match(logs.output, /listening on http/);
    assert.match(logs.output, /^\d{4}-\d\d-\d\dT\S+ \[thread \d+\] console line 0 from a handler$/m, 'timestamped, thread identified');

    const follow = run(process.execPath, [CLI, 'logs', 'bg-one', '-f', '-n', '1'], { env });
    await follow.waitForLine(() => true); // the tail is printed: it follows from here
    await get(`${url}/log/1`);
    await follow.waitForLine((line) => line.includes('console line 0 from a handler'));
    await follow.stop();

    for (const name of ['bg-one', 'bg-two']) {
      const { daemon } = await status(home, name);
      const stop = await runToEnd(process.execPath, [CLI, 'stop', name], { env });
      assert.equal(stop.code, 0, stop.output);
      assert.ok(!alive(daemon.pid));
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
    const env = { GOPOOL_HOME: home, GOPOOL_TEST_CRASH_AFTER_MS: '3000' };
    const started = await runToEnd(process.execPath, [CLI, 'start', join(FIXTURES, 'crash-loop-app.js'), '--daemon', '--name', 'loopy', '--port', '0'], {
      env,
    });
    assert.equal(started.code, 0, started.output);
    const s = await until(async () => {
      const current = await status(home, 'loopy');
      return current.state === 'errored' ? current : undefined;
    }, 30_000);
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

/** Resolves with the error code of a TCP connect to the port, or 'connected'. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

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

describe('crash-loop policy', () => {
  test('SIGKILLs from outside (an operator, the OOM killer) are restarted, never taken for a crash loop', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'killed'], { GOPOOL_HOME: home });
    try {
      for (let i = 0; i < 6; i++) {
        const { masterPid } = await until(async () => {
          const current = await status(home, 'killed');
          return current.state === 'online' && current.master ? current : undefined;
        }, 30_000);
        process.kill(masterPid, 'SIGKILL');
        await until(async () => !alive(masterPid));
      }
      const s = await until(async () => {
        const current = await status(home, 'killed');
        return current.state === 'online' && current.master ? current : undefined;
      }, 30_000);
      assert.equal(s.restarts, 6);
      assert.equal((await get(`${app.url}/thread`)).status, 200);
      const deaths = logRecords(app.lines).filter((r) => String(r.msg).startsWith('master died (signal SIGKILL)'));
      assert.ok(deaths.length === 6 && deaths.every((r) => r.cause === 'killed-from-outside'), 'logged as killed from outside');
    } finally {
      await app.stop();
    }
  });
});

describe('GOPOOL_HOME files', () => {
  test('a pid file and a control socket planted as symbolic links are replaced, never written through', async () => {
    const home = tempHome();
    const victim = join(tempHome(), 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(home, 'planted.pid'));
    symlinkSync(victim, join(home, 'planted.sock'));
    const app = await startApp(APP, ['--name', 'planted'], { GOPOOL_HOME: home });
    try {
      assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
      assert.ok(lstatSync(join(home, 'planted.pid')).isFile(), 'the pid file is a file of its own');
      assert.ok(lstatSync(join(home, 'planted.sock')).isSocket(), 'the control socket is ours');
      const s = await status(home, 'planted');
      assert.equal(readFileSync(join(home, 'planted.pid'), 'utf8').trim(), String(s.daemon.pid));
    } finally {
      await app.stop();
    }
  });
});
