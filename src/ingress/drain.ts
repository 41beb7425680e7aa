import net from 'node:net';
import type { Server } from 'node:http';

/** A connection idle this long after draining began is closed; busy ones finish first. */
const IDLE_GRACE_MS = 1000;
const CHECK_EVERY_MS = 100;

/**
 * Stops an HTTP server without failing a request:
 * - stops accepting (other listeners on the same socket, such as the next master, take the
 *   new connections; nothing is refused);
 * - answers every further request with `Connection: close`, so clients reconnect elsewhere
 *   rather than have a kept-alive connection closed under them;
 * - closes connections that stay idle, and after `graceMs` whatever is left.
 * Node's own http.Server.close() closes idle keep-alive connections at once, which races
 * clients that are just sending on them; that is why this bypasses it.
 */
export function drainHttpServer(server: Server, graceMs: number): Promise<void> {
  server.prependListener('request', (_req, res) => {
    res.shouldKeepAlive = false;
  });
  return new Promise((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      if (elapsed >= graceMs) server.closeAllConnections();
      else if (elapsed >= IDLE_GRACE_MS) server.closeIdleConnections();
    }, CHECK_EVERY_MS);
    if (!server.listening) {
      clearInterval(timer);
      resolve();
      return;
    }
    // net.Server's close: stop accepting, call back once every connection has ended.
    net.Server.prototype.close.call(server, () => {
      clearInterval(timer);
      resolve();
    });
  });
}
