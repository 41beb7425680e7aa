// onThreadStart / onThreadStop: a resource opened once per thread that runs handlers, and
// closed when the thread retires or the server stops, so that idle retirement waits for
// nothing the app has closed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { FIXTURES, logRecords, startApp } from './helpers/processes';

const APP = join(FIXTURES, 'lifecycle-app.js');
// Lines a thread's console wrote come stamped and prefixed with its id ("2026-…Z [thread 3] ...").
const records = (lines: string[], msg: string) => logRecords(lines.map((line) => line.replace(/^(\S+Z )?\[thread \d+\] /, ''))).filter((r) => r.msg === msg);

describe('per-thread resources', () => {
  test('opened once per pool thread, closed when it retires; the thread then exits at once', async () => {
    const app = await startApp(APP, ['--ingress-threads', '1', '--cheap-route-ms', '0', '--info-url', '/_info', '--max-threads', '1', '--idle-timeout', '500']);
    try {
      const first = (await get(`${app.url}/resource/pool`)).json();
      for (let i = 0; i < 10; i++) assert.equal((await get(`${app.url}/resource/pool`)).json().resource, first.resource, 'one resource per thread');
      assert.equal(first.role, 'pool');
      // Idle past idle-timeout: the thread retires, its onThreadStop closes the resource, and
      // with nothing left on its event loop it exits (the keep-alive timer would hold it 30 s).
      await until(async () => records(app.lines, 'resource closed').some((r) => r.threadId === first.threadId));
      await until(async () => (await get(`${app.url}/_info`)).json().pool.threads === 0, 10_000);
    } finally {
      await app.stop();
    }
  });

  test('ingress threads open theirs too, and every thread closes its own on stop', async () => {
    const app = await startApp(APP, ['--min-ingress-threads', '1', '--ingress-threads', '1', '--min-threads', '1', '--max-threads', '1']);
    await until(async () => records(app.lines, 'resource opened').some((r) => r.role === 'ingress'));
    await until(async () => records(app.lines, 'resource opened').some((r) => r.role === 'pool'));
    const exit = await app.stop();
    assert.equal(exit.code, 0);
    const opened = records(app.lines, 'resource opened')
      .map((r) => r.threadId)
      .sort();
    const closed = records(app.lines, 'resource closed')
      .map((r) => r.threadId)
      .sort();
    assert.deepEqual(closed, opened, 'every thread that opened one closed it');
  });
});
