import type { ServerResponse } from 'node:http';
import net from 'node:net';
import { closeLingering } from './body-stream';
import { type AnyRequest, type AnyResponse, type HttpServer, isHttp2, openConnections } from './http-server';
import { upgradedConnections } from './upgraded-sockets';

/** A connection idle this long after draining began is closed; busy ones finish first. */
const IDLE_GRACE_MS = 1000;
const CHECK_EVERY_MS = 100;

/**
 * Stops an HTTP server without failing a request:
 * - stops accepting (other listeners on the same socket, such as the next master, take the
 *   new connections; nothing is refused);
 * - answers every further HTTP/1 request with `Connection: close`, so clients reconnect
 *   elsewhere rather than have a kept-alive connection closed under them; an HTTP/2 session
 *   gets a GOAWAY after its next answer (open-connections.ts);
 * - closes connections that stay idle, or only read the rest of a body refused with 413
 *   (body-stream.ts), and after `graceMs` whatever is left;
 * - is done when only upgraded connections (WebSockets) are left: they are no longer the HTTP
 *   server's, and the app's close ends them as their plugin does (upgraded-sockets.ts).
 * Node's own http.Server.close() closes idle keep-alive connections at once, which races
 * clients that are just sending on them; that is why this bypasses it.
 */
export function drainHttpServer(server: HttpServer, graceMs: number): Promise<void> {
  server.prependListener('request', (req: AnyRequest, res: AnyResponse) => {
    if (!isHttp2(req)) (res as ServerResponse).shouldKeepAlive = false;
  });
  // A TLS or HTTP/2 server: its HTTP/2 sessions, and every TCP connection whatever it speaks.
  const open = openConnections(server);
  open?.drain();
  const closeIdle = (): void => {
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    closeLingering();
    open?.closeIdleSessions(IDLE_GRACE_MS);
  };
  const closeAll = (): void => {
    if (open) open.destroyAll();
    else (server as { closeAllConnections(): void }).closeAllConnections();
  };
  return new Promise((resolve) => {
    const started = Date.now();
    const done = (): void => {
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      if (elapsed >= graceMs) closeAll();
      else if (elapsed >= IDLE_GRACE_MS) closeIdle();
      if (upgradedConnections(server) > 0) server.getConnections((err, count) => !err && count <= upgradedConnections(server) && done());
    }, CHECK_EVERY_MS);
    if (!server.listening) {
      done();
      return;
    }
    // net.Server's close: stop accepting, call back once every connection has ended.
    net.Server.prototype.close.call(server, done);
  });
}
