import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { bindListenSocket, DaemonSocket } from '../../../src/supervision/listen-socket';

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

// The daemon binds through node's internal net._createServerHandle (what the cluster module uses
// for a shared handle), because no public API can: net.Server.listen() binds, listens and
// accepts in the calling process, and the daemon must accept nothing (its masters do); nothing
// public gives a socket that is bound but not yet listening, whose bind error the daemon can
// report before any master starts. It is internal, so any node major may drop or change it:
// this test runs on every major the package promises (CI) and says what broke.
test("node's net._createServerHandle still binds a handle the daemon can send to a master", { timeout: 30_000 }, async () => {
  const create = (net as unknown as { _createServerHandle?: unknown })._createServerHandle;
  assert.equal(
    typeof create,
    'function',
    `node ${process.version} has no net._createServerHandle: supervision/listen-socket.ts must bind the daemon's socket another way`,
  );
  const { handle, port } = bindListenSocket('127.0.0.1', 0);
  assert.ok(handle.fd > 0, `node ${process.version}: _createServerHandle gave no descriptor (${handle.fd})`);
  // A master gets the bound handle over IPC and listens on it (master/supervisor-link.ts).
  const master = spawn(
    process.execPath,
    ['-e', "process.once('message', (_, handle) => require('node:net').createServer((s) => s.end('served')).listen(handle, () => process.send('listening')))"],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  try {
    master.send('handle', handle as unknown as net.Server);
    const [said] = (await once(master, 'message')) as [string];
    assert.equal(said, 'listening', `node ${process.version}: a master could not listen on the handle`);
    const client = net.connect(port, '127.0.0.1');
    client.setEncoding('utf8');
    let body = '';
    client.on('data', (chunk: string) => {
      body += chunk;
    });
    await once(client, 'end');
    assert.equal(body, 'served', `node ${process.version}: the handle a master listened on did not serve port ${port}`);
  } finally {
    master.kill();
    handle.close();
  }
});
