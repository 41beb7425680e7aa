import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { GopoolOptions } from '../config/options';
import type { Logger } from '../runtime/logger';
import { lazyRequestLogger } from './request-logger';

/**
 * An HTTP front: the master's, or an ingress thread's. Request logging is off: at 20k+
 * requests/s it would be the bottleneck.
 *
 * `fastifyLogger: false` (ingress threads) gives fastify no logger at all. With one, fastify
 * puts two listeners on every response for a "request completed" line that is switched off
 * anyway (about 1 µs of the ~19 µs a hello costs there). An ingress thread runs gopool's own
 * routes only, which answer every error themselves and log it with gopool's logger; the
 * master keeps fastify's logger for the hooks and plugins users add in onMaster.
 */
export function createFastify(options: GopoolOptions, log: Logger, { fastifyLogger = true } = {}): FastifyInstance {
  return Fastify({
    ...(fastifyLogger
      ? { loggerInstance: log.child({ component: 'http' }), childLoggerFactory: lazyRequestLogger }
      : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // Closing drains instead (ingress/drain.ts): requests still arriving are served, not 503ed.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
}

/** The URL a client uses, from what the socket is really bound to (port 0 becomes a number). */
export function boundUrl(app: FastifyInstance): { url: string; port: number } {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on TCP');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, port: address.port };
}
