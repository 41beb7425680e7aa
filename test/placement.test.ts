// Where handlers run, decided by what they really cost their thread: a route that computes
// after its awaits (bcryptjs) is kept off the threads that accept connections, a route that
// only waits runs where it was accepted. Asserted on where each request ran, not on timing
// (bench/suite.mjs measures hello's latency beside the hashing).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { type App, FIXTURES, startApp } from './helpers/processes';

describe('placement by the thread time a route takes, continuations included', () => {
  let app: App;
  let ingress: number[];
  const info = async () => (await get(`${app.url}/_info`)).json();
  const fresh = (path: string) => get(`${app.url}${path}`, { headers: { connection: 'close' } });
  before(async () => {
    app = await startApp(join(FIXTURES, 'async-cpu-app.js'), [
      '--info-url',
      '/_info',
      '--min-ingress-threads',
      '2',
      '--ingress-threads',
      '2',
      '--max-threads',
      '2',
    ]);
    ingress = await until(async () => {
      const ids = (await info()).threads
        .filter((t: { role: string; state: string }) => t.role === 'ingress' && t.state === 'ready')
        .map((t: { threadId: number }) => t.threadId);
      return ids.length === 2 && ids;
    });
  });
  after(() => app.stop());

  test('a route hashing with bcryptjs (cheap before its first await) never runs on an accepting thread', async () => {
    const ran = new Set<number>();
    for (let i = 0; i < 30; i++) ran.add((await fresh('/hash')).json().threadId);
    for (const threadId of ran) assert.ok(!ingress.includes(threadId) && threadId !== 0, `ran on thread ${threadId}, an accepting thread`);
  });

  test('meanwhile a hello and a route that only waits run where they were accepted', async () => {
    for (const path of ['/hello', '/wait']) {
      const inline = await until(async () => ingress.includes((await fresh(path)).json().threadId));
      assert.ok(inline, path);
    }
  });
});
