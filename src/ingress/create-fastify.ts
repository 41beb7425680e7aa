import { createServer } from 'node:http';
import { threadId } from 'node:worker_threads';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GopoolOptions } from '../config/options';
import { ERR_NOT_TCP } from '../errors';
import { reportRequestTimeouts } from '../monitoring/client-timeouts';
import { stampArrival } from './arrival';
import { refuseMalformed } from './refuse-malformed';
import { RequestLogger } from './request-logger';
import { serverTimeouts } from './server-timeouts';
import { parseTrustProxy } from './trust-proxy';

/**
 * An HTTP front: the master's, an ingress thread's, single mode's. Request logging ("incoming
 * request", "request completed") is off: two log lines per request would be the bottleneck
 * under load.
 *
 * Where the app has code of its own on this thread (`appCode`: plugins, hooks, error handlers),
 * `request.log` works for it: a child of gopool's logger made on first use
 * (ingress/request-logger.ts). Threads that serve the public port give fastify no logger of its
 * own, only that factory: with a logger fastify puts two listeners on every response for the
 * "request completed" line that is switched off anyway. `fastify.log` is then silent there;
 * the master and single mode keep it for what plugins log while they load. Without app code,
 * fastify gets no factory either: a per-request logger costs every request (fastify validates
 * each one it is given), and nothing would use it (gopool logs through the thread's logger).
 */
export function createFastify(
  options: GopoolOptions,
  log: FastifyBaseLogger,
  { role, appCode }: { role: 'master' | 'ingress' | 'single' | 'pool'; appCode: boolean },
): FastifyInstance {
  const http = log.child({ component: 'http' });
  const timeouts = serverTimeouts(options);
  const childLoggerFactory: FastifyServerOptions['childLoggerFactory'] = (_parent, bindings, childOptions) => new RequestLogger(http, bindings, childOptions);
  const lean = role === 'ingress' || role === 'pool' || (role === 'single' && !appCode);
  // Threads that serve the public port count their requests themselves (metrics), from when they arrived.
  const stamp = (role === 'ingress' || role === 'single') && options.metrics;
  const app = Fastify({
    ...(lean ? { logger: false } : { loggerInstance: http as FastifyBaseLogger }),
    ...(appCode || !lean ? { childLoggerFactory } : {}),
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIds(),
    ...(options.requestIdHeader ? { requestIdHeader: options.requestIdHeader } : {}),
    // A number of hops is fastify's (proxy-addr's) too, though its types omit it.
    trustProxy: parseTrustProxy(options.trustProxy) as FastifyServerOptions['trustProxy'],
    bodyLimit: options.bodyLimit,
    // Slow clients are dropped (408) on every accepting thread.
    ...timeouts,
    // Requests that HTTP/1.1 says to refuse are refused before fastify routes them.
    serverFactory: (handler) => {
      const server = createServer(timeouts.http, (req, res) => {
        if (stamp) stampArrival(req);
        if (!refuseMalformed(req, res)) handler(req, res);
      });
      // What fastify sets on a server it creates itself.
      server.keepAliveTimeout = timeouts.keepAliveTimeout;
      server.requestTimeout = timeouts.requestTimeout;
      return server;
    },
    // Closing drains instead (ingress/drain.ts): requests still arriving are served, not 503ed.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  reportRequestTimeouts(app.server);
  return app;
}

/** Request ids unique across the threads of one process: the thread's id, then a counter. */
function requestIds(): () => string {
  const prefix = `req-${threadId.toString(36)}-`;
  let next = 0;
  return () => {
    next = (next + 1) & 0x7fffffff;
    return prefix + next.toString(36);
  };
}

/** The URL a client uses, from what the socket is really bound to (port 0 becomes a number). */
export function boundUrl(app: FastifyInstance): { url: string; port: number } {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new ERR_NOT_TCP();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, port: address.port };
}
