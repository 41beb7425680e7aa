import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ConnectionCount, connectionCountBuffer, connectionsToShed, keptConnections } from '../../../src/ingress/connection-balance';
import { ConnectionShedder } from '../../../src/ingress/shed-connections';

const load = (connections: number, utilization = 0.5) => ({ connections, utilization });

test('a thread far above its share lets the excess go, down to its share', () => {
  // 50 connections, 40 on one thread: the share is 25.
  assert.deepEqual(connectionsToShed([load(40), load(10)]), [15, 0]);
  assert.deepEqual(connectionsToShed([load(10), load(50, 0.95)]), [0, 20]);
  // Three threads: 30 each; only the one above 30 + 3 sheds.
  assert.deepEqual(connectionsToShed([load(50), load(20), load(20)]), [20, 0, 0]);
  // Every connection on one thread.
  assert.deepEqual(connectionsToShed([load(0), load(8)]), [0, 4]);
});

test('within the slack nothing moves: a few connections, or a tenth of the share', () => {
  assert.deepEqual(connectionsToShed([load(28), load(22)]), [0, 0]);
  assert.deepEqual(connectionsToShed([load(3), load(1)]), [0, 0]);
  assert.deepEqual(connectionsToShed([load(2), load(0)]), [0, 0]);
  assert.deepEqual(connectionsToShed([load(0), load(0)]), [0, 0]);
  // A tenth of a large share: 500 each, slack 50.
  assert.deepEqual(connectionsToShed([load(549), load(451)]), [0, 0]);
  assert.deepEqual(connectionsToShed([load(560), load(440)]), [60, 0]);
});

test('one thread has nobody to shed to', () => {
  assert.deepEqual(connectionsToShed([load(50)]), [0]);
  assert.deepEqual(connectionsToShed([]), []);
});

test('nothing moves while no thread below its share has the time to accept', () => {
  // The thread with few connections is busy (a handler blocks it): its clients would come back here.
  assert.deepEqual(connectionsToShed([load(40), load(10, 0.95)]), [0, 0]);
  assert.deepEqual(connectionsToShed([load(40), load(10, 0.95), load(10, 0.2)]), [20, 0, 0]);
});

test('the master reads what the thread wrote in its slot', () => {
  const buffer = connectionCountBuffer();
  assert.equal(keptConnections(buffer), 0);
  new ConnectionCount(buffer).set(7);
  assert.equal(keptConnections(buffer), 7);
});

test('the shedder counts kept connections, and a shed one closes after its next response', async () => {
  const buffer = connectionCountBuffer();
  const server = http.createServer((_req, res) => res.end('ok'));
  const shedder = new ConnectionShedder(server, new ConnectionCount(buffer));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
  const get = () =>
    new Promise<string | undefined>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        })
        .on('error', reject);
    });
  try {
    assert.deepEqual(await Promise.all([get(), get(), get()]), ['keep-alive', 'keep-alive', 'keep-alive']);
    assert.equal(keptConnections(buffer), 3);
    shedder.shed(2);
    assert.equal(keptConnections(buffer), 1, 'the two asked to go no longer count');
    shedder.shed(0);
    assert.equal(keptConnections(buffer), 1);
    const answers = await Promise.all([get(), get(), get()]);
    assert.equal(answers.filter((c) => c === 'close').length, 2, 'each shed connection is told to close on its next response');
    await waitFor(() => shedder.connections === 1);
    assert.equal(keptConnections(buffer), 1);
    // The clients' new connections replace the two that closed, and count.
    assert.deepEqual(await Promise.all([get(), get(), get()]), ['keep-alive', 'keep-alive', 'keep-alive']);
    assert.equal(keptConnections(buffer), 3);
  } finally {
    agent.destroy();
    server.close();
  }
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition());
}
