import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * When a request's headers were parsed, for the latency metrics count. fastify's own
 * `reply.elapsedTime` is 0 on a fastify without a logger and without onResponse hooks (an
 * ingress thread's): it starts its clock only for them.
 */
const ARRIVED = Symbol('gopool.arrived');
/** Whether its answer is counted already, or will be once written (answer-counts.ts). */
const COUNTED = Symbol('gopool.counted');
type Stamped = IncomingMessage & { [ARRIVED]?: number; [COUNTED]?: boolean };

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
  declare [COUNTED]: boolean;

  constructor(socket: Socket) {
    super(socket);
    this[ARRIVED] = performance.now();
    this[COUNTED] = false;
  }
}

/** Stamps an HTTP/2 request (a stream of a session: no request class of ours), before fastify sees it. */
export function stampArrival(req: object): void {
  const stamped = req as Stamped;
  stamped[ARRIVED] = performance.now();
  stamped[COUNTED] = false;
}

/**
 * Marks the request's answer as counted: whoever counts an answer marks it first, and the
 * others leave it alone. On the request Node made, whose class has the field from construction:
 * fastify's replies are made by fastify, and a field added to them costs every reply a store
 * whose key varies (the decorations' loop in fastify's Reply constructor).
 */
export function markCounted(req: IncomingMessage): void {
  (req as Stamped)[COUNTED] = true;
}

export function isCounted(req: IncomingMessage): boolean {
  return (req as Stamped)[COUNTED] === true;
}

/** Milliseconds since the request arrived (0 if it was not stamped). */
export function sinceArrival(req: IncomingMessage): number {
  const arrived = (req as Stamped)[ARRIVED];
  return arrived === undefined ? 0 : performance.now() - arrived;
}
