import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Each HTTP/1 connection's peer address, asked of its socket once. */
const peers = new WeakMap<Socket, string>();

/**
 * The client's address as fastify's `request.ip` gives it. Without `trustProxy` that is the
 * connection's peer, the same for every request the connection carries: taken once per
 * connection here, where `request.ip` went through Node's socket getters on every request.
 * Behind a trusted proxy (X-Forwarded-For) and on HTTP/2, `request.ip` itself.
 */
export function clientAddress(req: FastifyRequest, peerIsClient: boolean): string {
  const raw = req.raw;
  if (!peerIsClient || raw.httpVersionMajor === 2) return req.ip;
  const socket = raw.socket;
  let address = peers.get(socket);
  if (address === undefined) {
    address = socket.remoteAddress;
    if (address === undefined) return req.ip;
    peers.set(socket, address);
  }
  return address;
}
