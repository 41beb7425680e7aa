// The daemon, against real processes under load: master crashes, reloads, stops, the logs in
// the foreground, GOPOOL_HOME's files. (Crash loops, background mode and the socket's closing
// have files of their own, so that they run beside these.)
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive, portIsFree, status } from './helpers/daemon';
import { get, until } from './helpers/http';
import { steadyLoad, summarize } from './helpers/load';
import { type App, CLI, FIXTURES, ROOT, run, runToEnd, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

describe('master crash under load', () => {
  test('kill -9 of the master: no connection refused, only in-flight requests fail, then a new master serves', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'kill9', '--min-threads', '1'], { GOPOOL_HOME: home });
    try {
      const firstPid: number = (await get(`${app.url}/thread`)).json().pid;
      // The load runs until the new master has answered some of it, however long the restart
      // takes on a busy machine (bounded by the 60 s of the load).
      const load = steadyLoad(`${app.url}/thread`, { connections: 8, durationMs: 60_000 });
      await until(async () => load.outcomes.length > 300);
      const killedAt = Date.now();
      process.kill(firstPid, 'SIGKILL');
      await until(async () => load.outcomes.filter((o) => o.pid !== undefined && o.pid !== firstPid).length > 100, 30_000);
      load.stop();
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
  // One instance for the reload under load and the reload by SIGHUP: each starts from whichever
  // master serves.
  let app: App;
  const home = tempHome();
  before(async () => {
    app = await startApp(APP, ['--name', 'reload', '--min-threads', '1'], { GOPOOL_HOME: home });
  });
  after(() => app.stop());

  test('gopool reload under continuous load: zero failed requests, a new master takes over', async () => {
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
    const before = await status(home, 'reload');
    const reloads = () => app.lines.filter((line) => line.includes('reload: new master online')).length;
    const reloaded = reloads();
    process.kill(before.daemon.pid, 'SIGHUP');
    // The daemon's line says when the new master took over (where polling `gopool status` would start a process each time).
    await until(async () => reloads() > reloaded);
    assert.notEqual((await status(home, 'reload')).masterPid, before.masterPid);
    await until(async () => (await get(`${app.url}/thread`)).json().pid !== before.masterPid);
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

// One instance for both: neither changes it (the foreground logs are read, the GOPOOL_HOME
// files looked at), and the links are planted before it starts.
describe('logs in the foreground; GOPOOL_HOME files', () => {
  let app: App;
  const home = tempHome();
  const victim = join(tempHome(), 'victim');
  let stderr = '';
  before(async () => {
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(home, 'planted.pid'));
    symlinkSync(victim, join(home, 'planted.sock'));
    app = await startApp(APP, ['--name', 'planted'], { GOPOOL_HOME: home });
    app.child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
  });
  after(() => app.stop());

  test('console lines, from the master or a thread, on stdout or stderr, are stamped as in the log file; JSON lines are as written', async () => {
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
  });

  test('a pid file and a control socket planted as symbolic links are replaced, never written through', async () => {
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
    assert.ok(lstatSync(join(home, 'planted.pid')).isFile(), 'the pid file is a file of its own');
    assert.ok(lstatSync(join(home, 'planted.sock')).isSocket(), 'the control socket is ours');
    const s = await status(home, 'planted');
    assert.equal(readFileSync(join(home, 'planted.pid'), 'utf8').trim(), String(s.daemon.pid));
  });
});
