import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';

const ARRIVED = Symbol('gopool.arrived');

/**
 * When a request's headers were parsed, stamped by the server before fastify sees the request,
 * for the latency metrics count. fastify's own `reply.elapsedTime` is 0 on a fastify without a
 * logger and without onResponse hooks (an ingress thread's): it starts its clock only for them.
 */
export function stampArrival(req: IncomingMessage): void {
  (req as IncomingMessage & { [ARRIVED]?: number })[ARRIVED] = performance.now();
}

/** Milliseconds since the request arrived (0 if it was not stamped). */
export function sinceArrival(req: IncomingMessage): number {
  const arrived = (req as IncomingMessage & { [ARRIVED]?: number })[ARRIVED];
  return arrived === undefined ? 0 : performance.now() - arrived;
}
