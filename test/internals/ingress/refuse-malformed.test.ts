// RFC 9112's refusals before fastify (a second Host, a later HTTP major) on a real http server.
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { refuseMalformed } from '../../../src/ingress/refuse-malformed';

let server: http.Server;
let port = 0;
before(async () => {
  server = http.createServer((req, res) => {
    if (!refuseMalformed(req, res)) res.end('served');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** One raw request on its own connection: the whole answer, read until the server closes or answers in full. */
function send(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('a second Host header, in any case, is refused with 400 and the connection closed', async () => {
  for (const second of ['Host', 'host', 'HOST', 'hOsT']) {
    const answer = await send(`GET / HTTP/1.1\r\nHost: a.example\r\n${second}: b.example\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /, second);
    assert.match(answer, /GOPOOL_ERR_DUPLICATE_HOST/, second);
    assert.match(answer, /connection: close/i, second);
  }
});

test('one Host header, and four-letter names that are not Host, are served', async () => {
  for (const other of ['Hose: x', 'Hist: x', 'Gost: x', 'Hosts: x', 'X-Host: x']) {
    const answer = await send(`GET / HTTP/1.1\r\nHost: a.example\r\n${other}\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 200 /, other);
    assert.match(answer, /served$/, other);
  }
});
