import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ArrivingMessage, sinceArrival } from '../../../src/ingress/arrival';
import { createHttpServer } from '../../../src/ingress/http-server';
import { serverTimeouts } from '../../../src/ingress/server-timeouts';

/** One GET to a server from createHttpServer; what its handler saw of the request. */
async function seen(stamp: boolean): Promise<{ arriving: boolean; ownSymbols: number; sinceMs: number }> {
  const timeouts = serverTimeouts({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 1_000 });
  let saw: { arriving: boolean; ownSymbols: number; sinceMs: number } | undefined;
  const server = createHttpServer(
    (req, res) => {
      const request = req as IncomingMessage;
      saw = { arriving: request instanceof ArrivingMessage, ownSymbols: Object.getOwnPropertySymbols(request).length, sinceMs: sinceArrival(request) };
      (res as ServerResponse).end('ok');
    },
    { http2: false, stamp },
    timeouts,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await response.text(), 'ok');
  } finally {
    server.close();
  }
  assert.ok(saw, 'the handler ran');
  return saw;
}

test('a plain HTTP/1.1 server that counts its requests makes them stamped, by their own class', async () => {
  const counted = await seen(true);
  assert.equal(counted.arriving, true);
  assert.ok(Number.isFinite(counted.sinceMs) && counted.sinceMs >= 0, `milliseconds since arrival: ${counted.sinceMs}`);
  const plain = await seen(false);
  assert.equal(plain.arriving, false, "without metrics, Node's own request class");
  assert.equal(plain.sinceMs, 0, 'not stamped');
  assert.equal(counted.ownSymbols, plain.ownSymbols + 1, 'the stamp is the one property it adds');
});
