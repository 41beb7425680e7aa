import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ArrivingMessage, sinceArrival } from '../../../src/ingress/arrival';
import { createHttpServer, type Protocol } from '../../../src/ingress/http-server';
import { serverTimeouts } from '../../../src/ingress/server-timeouts';
import { h2Requests, httpsGet, selfSigned } from '../../helpers/tls';

interface Seen {
  arriving: boolean;
  ownSymbols: number;
  sinceMs: number;
}

/** One request to a server from createHttpServer, by `client`; what its handler saw of the request. */
async function seen(protocol: Protocol, client: (port: number) => Promise<unknown>): Promise<Seen> {
  const timeouts = serverTimeouts({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 1_000 });
  let saw: Seen | undefined;
  const server = createHttpServer(
    (req, res) => {
      const request = req as IncomingMessage;
      saw = { arriving: request instanceof ArrivingMessage, ownSymbols: Object.getOwnPropertySymbols(request).length, sinceMs: sinceArrival(request) };
      (res as ServerResponse).end('ok');
    },
    protocol,
    timeouts,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await client((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
  assert.ok(saw, 'the handler ran');
  return saw;
}

const plainGet = async (port: number) => assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ok');

test('a plain HTTP/1.1 server that counts its requests makes them stamped, by their own class', async () => {
  const counted = await seen({ http2: false, stamp: true }, plainGet);
  assert.equal(counted.arriving, true);
  assert.ok(Number.isFinite(counted.sinceMs) && counted.sinceMs >= 0, `milliseconds since arrival: ${counted.sinceMs}`);
  const plain = await seen({ http2: false, stamp: false }, plainGet);
  assert.equal(plain.arriving, false, "without metrics, Node's own request class");
  assert.equal(plain.sinceMs, 0, 'not stamped');
  assert.equal(counted.ownSymbols, plain.ownSymbols + 2, 'the stamp and the mark of its count are the properties it adds');
});

test('HTTPS, and HTTP/1.1 beside HTTP/2 over TLS, stamp by the same class; an HTTP/2 stream is stamped as it comes', async () => {
  const certificate = selfSigned('arrival');
  const tls = { key: readFileSync(certificate.key, 'utf8'), cert: readFileSync(certificate.cert, 'utf8') };
  const httpsOk = async (port: number) => assert.equal((await httpsGet(`https://127.0.0.1:${port}/`, certificate.pem)).body, 'ok');
  assert.equal((await seen({ tls, http2: false, stamp: true }, httpsOk)).arriving, true, 'HTTPS');
  assert.equal((await seen({ tls, http2: true, stamp: true }, httpsOk)).arriving, true, "an HTTP/2 server's HTTP/1.1 side");
  const h2Ok = async (port: number) => {
    const [answer] = await h2Requests(`https://127.0.0.1:${port}`, [{ path: '/' }], certificate.pem);
    assert.equal(answer?.body, 'ok');
  };
  const stream = await seen({ tls, http2: true, stamp: true }, h2Ok);
  const unstamped = await seen({ tls, http2: true, stamp: false }, h2Ok);
  assert.equal(stream.arriving, false, 'an HTTP/2 request is not an IncomingMessage');
  assert.ok(Number.isFinite(stream.sinceMs) && stream.sinceMs >= 0, `an HTTP/2 stream's milliseconds since arrival: ${stream.sinceMs}`);
  assert.equal(stream.ownSymbols, unstamped.ownSymbols + 2, 'stamped when it came');
});
