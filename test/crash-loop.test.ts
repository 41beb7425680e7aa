// The daemon against a master that keeps dying: restarts with backoff, then gives up, with the
// restart policy's rules.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alive, status } from './helpers/daemon';
import { get, until } from './helpers/http';
import { CLI, FIXTURES, logRecords, runToEnd, startApp, tempHome } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

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
