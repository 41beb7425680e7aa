import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { GopoolOptions } from '../config/options';
import type { Logger } from '../runtime/logger';
import { lazyRequestLogger } from './request-logger';

/** The master's HTTP front. Request logging is off: at 20k+ requests/s it would be the bottleneck. */
export function createFastify(options: GopoolOptions, log: Logger): FastifyInstance {
  return Fastify({
    loggerInstance: log.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
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
