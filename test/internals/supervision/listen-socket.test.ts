import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { bindListenSocket, DaemonSocket } from '../../../dist/supervision/listen-socket';

test('the daemon socket binds once, hands the same descriptor out, and binds the same port again after a close', () => {
  const socket = new DaemonSocket();
  const first = socket.handleFor('127.0.0.1', 0);
  const port = socket.address!.port;
  assert.ok(port > 0);
  assert.equal(socket.handleFor('127.0.0.1', 0).handle, first.handle);
  assert.equal(socket.handleFor('127.0.0.1', port).moved, false);
  assert.equal(socket.handleFor('127.0.0.1', port + 1).moved, true, 'another port is reported, not bound');
  assert.equal(socket.close(), true);
  assert.equal(socket.address, null);
  assert.equal(socket.close(), false, 'closing twice is harmless');
  socket.handleFor('127.0.0.1', 0);
  assert.equal(socket.address!.port, port, 'a reload after a close gets the port it had');
  socket.close();
});

test('bind errors are coded', async () => {
  assert.throws(() => bindListenSocket('localhost', 0), { code: 'GOPOOL_ERR_BAD_HOST' });
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    assert.throws(() => bindListenSocket('127.0.0.1', (taken.address() as net.AddressInfo).port), { code: 'GOPOOL_ERR_ADDRESS_IN_USE' });
  } finally {
    taken.close();
  }
});
