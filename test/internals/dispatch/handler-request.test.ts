import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { GopoolContext } from '../../../src/api/types';
import { handlerRequest, RequestContext } from '../../../src/dispatch/handler-request';
import type { TaskRequest } from '../../../src/dispatch/task';

const TASK: TaskRequest = {
  method: 'POST',
  url: '/u/1?x=2',
  params: { id: '1' },
  query: { x: '2' },
  body: { a: 1 },
  headers: { 'user-agent': 't' },
  id: 'req-7',
  ip: '10.0.0.9',
};
const log = pino({ level: 'silent' });
/** A thread's ctx (its type is the app's, by declaration merging: any object will do here). */
const ctx = (value: object) => value as GopoolContext;

test("what crossed, plus the thread's ctx; what requestGetter picked, never over gopool's own fields", () => {
  // Built on the accepting thread, as ingress/gopool-routes.ts does, then crossed (cloned) to a thread.
  const accepted = Object.assign(new RequestContext(), { ...TASK, cookies: { s: '1' } });
  accepted.addExtra({ user: 'ada', url: 'spoofed' });
  const request = handlerRequest(structuredClone(accepted), ctx({ db: 'x' }), log);
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/u/1?x=2', "gopool's field wins");
  assert.deepEqual(request.params, { id: '1' });
  assert.deepEqual(request.body, { a: 1 });
  assert.equal(request.id, 'req-7');
  assert.equal(request.ip, '10.0.0.9');
  assert.deepEqual(request.cookies, { s: '1' });
  assert.deepEqual(request.ctx, { db: 'x' });
  assert.equal((request as unknown as { user: string }).user, 'ada');
});

test('a spread request carries data only: log and signal are made on first use', () => {
  const request = handlerRequest(TASK, ctx({}), log);
  assert.deepEqual(Object.keys({ ...request }).sort(), ['body', 'ctx', 'headers', 'id', 'ip', 'method', 'params', 'query', 'url']);
  assert.equal(typeof request.log.info, 'function');
  assert.equal(request.log, request.log, 'one logger per request');
});

test('abort before anyone asked for the signal: the signal is born aborted with that reason', () => {
  const request = handlerRequest(TASK, ctx({}), log);
  const reason = new Error('timed out');
  request.abort(reason);
  request.abort(new Error('later'));
  assert.equal(request.signal.aborted, true);
  assert.equal(request.signal.reason, reason);
});

test('the watcher is told once, when the handler first reads its signal; a later abort aborts it', () => {
  let watched = 0;
  const client = {
    onCancel: undefined as (() => void) | undefined,
    watch: () => {
      watched++;
    },
  };
  const request = handlerRequest(TASK, ctx({}), log, client);
  assert.equal(watched, 0, 'no listener for a handler that never reads its signal');
  const signal = request.signal;
  assert.equal(request.signal, signal);
  assert.equal(watched, 1);
  client.onCancel?.();
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as { code?: string }).code, 'GOPOOL_ERR_CLIENT_GONE', 'the client left: the signal aborts');
});

test('run where it was accepted, the handler gets the very object the accepting thread built', () => {
  const accepted = Object.assign(new RequestContext(), TASK);
  assert.equal(handlerRequest(accepted, ctx({}), log), accepted);
});
