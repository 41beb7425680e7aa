import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEvent, sse } from '../../../src/api/sse';

test('events in the text/event-stream format', () => {
  assert.equal(formatEvent('hello'), 'data: hello\n\n');
  assert.equal(formatEvent('two\nlines'), 'data: two\ndata: lines\n\n');
  assert.equal(formatEvent({ data: { n: 1 }, event: 'tick', id: 7 }), 'id: 7\nevent: tick\ndata: {"n":1}\n\n');
  assert.equal(formatEvent({ event: 'a\nb', id: 'x\r\ny', data: 'd' }), 'id: xy\nevent: ab\ndata: d\n\n', 'no field smuggled in');
  assert.equal(formatEvent({ retry: 2500.7 }), 'retry: 2500\n\n');
  assert.equal(formatEvent({ comment: 'ping' }), ': ping\n\n');
});

test('sse() sets the headers, starts at once, sends heartbeats while the source waits, and ends the source when cancelled', async () => {
  let release!: () => void;
  const waiting = new Promise<void>((resolve) => {
    release = resolve;
  });
  let returned = false;
  async function* source() {
    try {
      yield 'first';
      await waiting;
      yield { event: 'late', data: 'after the heartbeats' };
      await new Promise(() => undefined); // never again
    } finally {
      returned = true;
    }
  }
  const reply = sse(source(), { heartbeat: 10 });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers!['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(reply.headers!['cache-control'], 'no-cache');
  const body = (reply.body as AsyncGenerator<string>)[Symbol.asyncIterator]();
  assert.equal((await body.next()).value, ':\n\n');
  assert.equal((await body.next()).value, 'data: first\n\n');
  assert.equal((await body.next()).value, ':\n\n', 'a heartbeat while the source waits');
  assert.equal((await body.next()).value, ':\n\n');
  release();
  let next = await body.next();
  while (next.value === ':\n\n') next = await body.next();
  assert.equal(next.value, 'event: late\ndata: after the heartbeats\n\n');
  await body.return(undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(returned, true, "the source's return() ran (its finally)");
  assert.throws(() => sse(42 as never), { code: 'GOPOOL_ERR_SSE_SOURCE' });
});
