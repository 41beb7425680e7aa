import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { HttpServer } from './http-server';

/**
 * Connections an `upgrade` listener took over from the HTTP server (WebSockets, through
 * @fastify/websocket): the server no longer serves requests on them, yet they count among its
 * connections, so a drain that waits for every connection to end would wait for them forever
 * (and `closeAllConnections()` does not close them). drain.ts lets them be, and the app's
 * close then ends them as their plugin does (@fastify/websocket's preClose: a close frame).
 *
 * Noted with an `upgrade` listener of our own, added only beside another one: Node hands an
 * upgrade request to the 'upgrade' listeners if there are any, and answers it as a plain
 * request otherwise, which a lone listener of ours would change.
 */
const upgradedOf = new WeakMap<HttpServer, Set<Socket>>();
/** Every connection an upgrade request came on, whichever server took it. */
const cameWithUpgrade = new WeakSet<Socket>();

export function trackUpgrades(server: HttpServer): void {
  const upgraded = new Set<Socket>();
  upgradedOf.set(server, upgraded);
  const note = (_req: unknown, socket: Socket): void => {
    upgraded.add(socket);
    cameWithUpgrade.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  };
  server.on('newListener', (event: string | symbol, listener: unknown) => {
    if (event === 'upgrade' && listener !== note && !server.listeners('upgrade').includes(note)) server.prependListener('upgrade', note);
  });
  server.on('removeListener', (event: string | symbol, listener: unknown) => {
    if (event === 'upgrade' && listener !== note && server.listenerCount('upgrade') === 1 && server.listeners('upgrade')[0] === note) {
      server.removeListener('upgrade', note);
    }
  });
}

/** The upgraded connections of a server still open (none if it was not tracked). */
export function upgradedConnections(server: HttpServer): number {
  return upgradedOf.get(server)?.size ?? 0;
}

/**
 * For a scope of gopool's own routes outside the app's (monitoring, the routes handed to the
 * master), which an upgrade request may reach when the app registered @fastify/websocket: the
 * plugin routes every upgrade request through fastify, and ends the connection after a plain
 * answer only in the scopes it covers. Elsewhere the connection, no longer the HTTP server's
 * and read by no one, would stay open after the answer; this ends it the same way.
 */
export function endAnsweredUpgrades(scope: FastifyInstance): void {
  scope.addHook('onResponse', (req, _reply, done) => {
    if (cameWithUpgrade.has(req.raw.socket)) req.raw.socket.destroy();
    done();
  });
}
