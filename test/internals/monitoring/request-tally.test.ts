// Requests counted on an ingress thread, taken as one entry per route and method.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { LatencyHistogram } from '../../../src/monitoring/latency-histogram';
import { RequestTally } from '../../../src/monitoring/request-tally';

test('one entry per route and method: status classes, buckets, count, sum, durations', () => {
  const tally = new RequestTally();
  tally.record('GET', '/a', 200, 0.5);
  tally.record('GET', '/a', 404, 1.05);
  tally.record('GET', '/a', 503, 30);
  tally.record('POST', '/a', 201, 2);
  tally.record('GET', '/b', 999, 1);
  const rows = tally.take();
  assert.equal(rows.length, 3);
  const [method, route, classes, buckets, count, sumMs, latencies] = rows.find((r) => r[0] === 'GET' && r[1] === '/a')!;
  assert.equal(method, 'GET');
  assert.equal(route, '/a');
  assert.deepEqual(classes, [0, 0, 1, 0, 1, 1]);
  assert.deepEqual(buckets, [1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(count, 3);
  assert.equal(Math.round(sumMs * 100), 3155);
  assert.equal(latencies.count, 3);
  assert.deepEqual(rows.find((r) => r[1] === '/b')![2], [0, 0, 0, 0, 0, 1], 'a status outside 1xx-5xx counts as 5xx');
  assert.deepEqual(tally.take(), [], 'taken once');
});

test('an entry crosses a message port as it is, its histogram with it', () => {
  const tally = new RequestTally();
  for (let i = 0; i < 10; i++) tally.record('GET', '/a', 200, 3);
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(tally.take());
  const [row] = receiveMessageOnPort(port2)!.message as ReturnType<RequestTally['take']>;
  port1.close();
  assert.equal(row![4], 10);
  assert.equal(row![6].count, 10);
  const arrived = new LatencyHistogram();
  arrived.add(row![6]);
  assert.ok(Math.abs(arrived.percentile(50) - 3000) <= 3000 / 32);
});
