import net from 'node:net';
import type { Server } from 'node:http';
import { upgradedConnections } from './upgraded-sockets';

/** A connection idle this long after draining began is closed; busy ones finish first. */
const IDLE_GRACE_MS = 1000;
const CHECK_EVERY_MS = 100;

/**
 * Stops an HTTP server without failing a request:
 * - stops accepting (other listeners on the same socket, such as the next master, take the
 *   new connections; nothing is refused);
 * - answers every further request with `Connection: close`, so clients reconnect elsewhere
 *   rather than have a kept-alive connection closed under them;
 * - closes connections that stay idle, and after `graceMs` whatever is left;
 * - is done when only upgraded connections (WebSockets) are left: they are no longer the HTTP
 *   server's, and the app's close ends them as their plugin does (upgraded-sockets.ts).
 * Node's own http.Server.close() closes idle keep-alive connections at once, which races
 * clients that are just sending on them; that is why this bypasses it.
 */
export function drainHttpServer(server: Server, graceMs: number): Promise<void> {
  server.prependListener('request', (_req, res) => {
    res.shouldKeepAlive = false;
  });
  return new Promise((resolve) => {
    const started = Date.now();
    const done = (): void => {
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      if (elapsed >= graceMs) server.closeAllConnections();
      else if (elapsed >= IDLE_GRACE_MS) server.closeIdleConnections();
      const upgraded = upgradedConnections(server);
      if (upgraded > 0) server.getConnections((err, open) => !err && open <= upgradedConnections(server) && done());
    }, CHECK_EVERY_MS);
    if (!server.listening) {
      done();
      return;
    }
    // net.Server's close: stop accepting, call back once every connection has ended.
    net.Server.prototype.close.call(server, done);
  });
}
