// gopool.publish / gopool.subscribe underneath (api/topics.ts), with real worker threads and
// Node's BroadcastChannel: messages reach every thread of the process, the publisher's own
// subscribers included, as copies; what cannot be cloned is refused at the call; subscriptions
// end when asked or released, and never keep a thread alive.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Topics } from '../../../src/api/topics';
import { until } from '../../helpers/http';
import { ROOT } from '../../helpers/processes';

// A real worker thread loads the built file: it runs JavaScript, without the test's TypeScript loader.
const TOPICS = join(ROOT, 'dist', 'api', 'topics.js');

/** A worker thread running `body` with `topics` (its thread's) in scope; it posts what it wants to tell. */
function worker(body: string): { worker: Worker; told: unknown[]; exited: Promise<number> } {
  const w = new Worker(`const { parentPort } = require('node:worker_threads'); const topics = require(${JSON.stringify(TOPICS)}).topics();\n${body}`, {
    eval: true,
  });
  const told: unknown[] = [];
  w.on('message', (message) => told.push(message));
  return { worker: w, told, exited: new Promise((resolve) => w.once('exit', resolve)) };
}

test("the publisher's own subscribers get a copy, after the publish call returns", async () => {
  const topics = new Topics();
  const got: unknown[] = [];
  const unsubscribe = topics.subscribe('news', (data) => got.push(data));
  const data = { n: 1, at: new Date(0), tags: new Map([['a', 1]]) };
  topics.publish('news', data);
  assert.equal(got.length, 0, 'not delivered within the call');
  data.n = 2;
  await until(async () => got.length === 1);
  assert.deepEqual(got[0], { n: 1, at: new Date(0), tags: new Map([['a', 1]]) });
  unsubscribe();
  topics.release();
});

test('a message reaches the subscribers of every thread, whichever thread published it', async (t) => {
  const main = new Topics();
  const heardHere: unknown[] = [];
  main.subscribe('news', (data) => heardHere.push(data));
  const { worker: w, told } = worker(`
    topics.subscribe('news', (data) => parentPort.postMessage({ heard: data }));
    parentPort.on('message', (text) => topics.publish('news', { text, from: 'worker' }));
    parentPort.postMessage('subscribed');
  `);
  t.after(() => w.terminate());
  await until(async () => told.includes('subscribed'));
  main.publish('news', { text: 'hello', from: 'main' });
  await until(async () => told.some((m) => (m as { heard?: { text: string } }).heard?.text === 'hello'));
  await until(async () => heardHere.length === 1);
  w.postMessage('hi back');
  await until(async () => heardHere.some((m) => (m as { text: string }).text === 'hi back'));
  // The worker's own subscriber got its message too.
  await until(async () => told.some((m) => (m as { heard?: { text: string } }).heard?.text === 'hi back'));
  assert.deepEqual(
    heardHere.map((m) => (m as { from: string }).from),
    ['main', 'worker'],
  );
  main.release();
});

test('a message that cannot be cloned is refused at the call with its code, and reaches nobody', async () => {
  const topics = new Topics();
  const got: unknown[] = [];
  topics.subscribe('news', (data) => got.push(data));
  assert.throws(() => topics.publish('news', { reply: () => 1 }), { code: 'GOPOOL_ERR_PUBLISH_NOT_CLONEABLE' });
  topics.publish('news', 'marker');
  await until(async () => got.includes('marker'));
  assert.deepEqual(got, ['marker']);
  topics.release();
});

test('a topic must be a non-empty string, a listener a function', () => {
  const topics = new Topics();
  for (const topic of ['', 42, undefined]) {
    assert.throws(() => topics.publish(topic as string, 1), { code: 'GOPOOL_ERR_TOPIC_ARGUMENT' });
    assert.throws(() => topics.subscribe(topic as string, () => undefined), { code: 'GOPOOL_ERR_TOPIC_ARGUMENT' });
  }
  assert.throws(() => topics.subscribe('news', 'not a function' as unknown as () => void), { code: 'GOPOOL_ERR_TOPIC_ARGUMENT' });
  assert.equal(topics.subscriptions(), 0);
});

test('subscriptions are counted per topic and end once; release ends them all', async () => {
  const topics = new Topics();
  const got: string[] = [];
  const first = topics.subscribe('a', () => got.push('first'));
  const second = topics.subscribe('a', () => got.push('second'));
  topics.subscribe('b', () => got.push('b'));
  assert.deepEqual([topics.subscriptions('a'), topics.subscriptions('b'), topics.subscriptions()], [2, 1, 3]);
  first();
  first();
  assert.deepEqual([topics.subscriptions('a'), topics.subscriptions()], [1, 2]);
  topics.publish('a', 1);
  await until(async () => got.length === 1);
  assert.deepEqual(got, ['second']);
  topics.release();
  assert.equal(topics.subscriptions(), 0);
  second(); // after release: nothing to end, nothing miscounted
  assert.equal(topics.subscriptions(), 0);
  topics.publish('a', 2);
  topics.publish('b', 2);
  const after = topics.subscribe('a', () => got.push('after'));
  topics.publish('a', 3);
  await until(async () => got.includes('after'));
  assert.deepEqual(got, ['second', 'after']);
  after();
  topics.release();
});

test("a listener's failure is logged, and the other listeners still get the message", async () => {
  const topics = new Topics();
  const logged: Array<{ topic?: string; message: string }> = [];
  topics.log = { error: (details, message) => logged.push({ topic: (details as { topic?: string }).topic, message }) };
  const got: unknown[] = [];
  topics.subscribe('news', () => {
    throw new Error('a bug in a listener');
  });
  topics.subscribe('news', async () => {
    throw new Error('a rejected listener');
  });
  topics.subscribe('news', (data) => got.push(data));
  topics.publish('news', 'hello');
  await until(async () => got.length === 1 && logged.length === 2);
  assert.deepEqual(
    logged.map((l) => l.topic),
    ['news', 'news'],
  );
  topics.release();
});

test('a subscription never keeps its thread alive; a thread that stops releases its own', async () => {
  const idle = worker(`topics.subscribe('news', () => {}); topics.publish('news', 'bye');`);
  assert.equal(await idle.exited, 0, 'the thread ended with its subscription open');
  const releasing = worker(`
    topics.subscribe('news', () => {});
    topics.release();
    parentPort.postMessage(topics.subscriptions());
  `);
  assert.equal(await releasing.exited, 0);
  assert.deepEqual(releasing.told, [0]);
});
