// The daemon against a master that keeps dying: restarts with backoff, then gives up, with the
// restart policy's rules.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alive, CRASH_LOOP_APP, crashFirstMaster, crashLoopEnv, status } from './helpers/daemon';
import { get, until } from './helpers/http';
import { CLI, FIXTURES, logRecords, run, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

describe('crash loop', () => {
  test('a master that keeps dying is restarted with backoff, then given up on: exit non-zero, reason logged', async () => {
    const started = Date.now();
    const daemon = run(process.execPath, [CLI, 'start', CRASH_LOOP_APP, '--port', '0'], { env: crashLoopEnv(tempHome()) });
    const online = await daemon.waitForLine((line) => line.includes('"online at '));
    await crashFirstMaster(JSON.parse(online).url);
    const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 60_000);
    const result = await daemon.exited;
    clearTimeout(timer);
    await new Promise((resolve) => setImmediate(resolve)); // the last 'data' events
    const output = daemon.lines.join('\n');
    assert.notEqual(result.code, 0);
    const records = logRecords(daemon.lines);
    const deaths = records.filter((r) => String(r.msg).startsWith('master died (exit code 1)'));
    assert.equal(deaths.length, 5, 'five crashes, then no more restarts');
    const delays = records.filter((r) => typeof r.delayMs === 'number').map((r) => r.delayMs);
    assert.deepEqual(delays, [100, 200, 400, 800], 'exponential backoff');
    assert.ok(
      records.some((r) => r.level === 60 && String(r.msg).includes('crash loop: 5 crashes within 60 s')),
      'the reason is logged',
    );
    assert.ok(output.includes('master crash for the crash-loop test'), 'the crash itself is in the log');
    process.stdout.write(`  crash loop detected after ${Date.now() - started} ms\n`);
  });
});

describe('crash-loop policy', () => {
  test('SIGKILLs from outside (an operator, the OOM killer) are restarted, never taken for a crash loop', async () => {
    const home = tempHome();
    const app = await startApp(APP, ['--name', 'killed'], { GOPOOL_HOME: home });
    try {
      // The daemon's own lines say when it has a master online, and which: the first one, then
      // each restarted one (where polling `gopool status` would start a process each time).
      const online = (restarts: number) =>
        until(
          async () => logRecords(app.lines).filter((r) => r.msg === 'master restarted and online' || String(r.msg).startsWith('online at '))[restarts],
          30_000,
        );
      for (let i = 0; i < 6; i++) {
        const masterPid = (await online(i)).masterPid as number;
        process.kill(masterPid, 'SIGKILL');
        await until(async () => !alive(masterPid));
      }
      // The sixth restart waits out the longest back-off (3.2 s): its online line first, then
      // `gopool status` (each poll of it starts a CLI process).
      await online(6);
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
