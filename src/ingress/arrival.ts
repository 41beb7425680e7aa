import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * When a request's headers were parsed, for the latency metrics count. fastify's own
 * `reply.elapsedTime` is 0 on a fastify without a logger and without onResponse hooks (an
 * ingress thread's): it starts its clock only for them.
 */
const ARRIVED = Symbol('gopool.arrived');
type Stamped = IncomingMessage & { [ARRIVED]?: number };

/**
 * The HTTP/1 request class of a server that counts its requests (`IncomingMessage` option of
 * `http.createServer` and `https.createServer`, `Http1IncomingMessage` of an HTTP/2 server's
 * HTTP/1.1 side): stamped as Node's parser makes it, with the headers just parsed. The stamp
 * is there from construction, so every request has one shape; a property added later moved
 * each request to another hidden class, and the code that sees requests before and after saw
 * two.
 */
export class ArrivingMessage extends IncomingMessage {
  declare [ARRIVED]: number;

  constructor(socket: Socket) {
    super(socket);
    this[ARRIVED] = performance.now();
  }
}

/** Stamps an HTTP/2 request (a stream of a session: no request class of ours), before fastify sees it. */
export function stampArrival(req: object): void {
  (req as { [ARRIVED]?: number })[ARRIVED] = performance.now();
}

/** Milliseconds since the request arrived (0 if it was not stamped). */
export function sinceArrival(req: IncomingMessage): number {
  const arrived = (req as Stamped)[ARRIVED];
  return arrived === undefined ? 0 : performance.now() - arrived;
}
