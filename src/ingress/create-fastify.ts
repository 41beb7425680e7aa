import type { IncomingMessage } from 'node:http';
import { threadId } from 'node:worker_threads';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { GopoolOptions } from '../config/options';
import { ERR_NOT_TCP } from '../errors';
import { reportRequestTimeouts } from '../monitoring/client-timeouts';
import { deferSchemaCompilers } from './deferred-schema-compilers';
import { createHttpServer, type Protocol } from './http-server';
import { logOnFirstUse, RequestLogger } from './request-logger';
import { serverTimeouts } from './server-timeouts';
import type { TlsFiles } from './tls-files';
import { parseTrustProxy } from './trust-proxy';
import { trackUpgrades } from './upgraded-sockets';

export type FastifyRole = 'master' | 'ingress' | 'single' | 'pool';

/**
 * An HTTP front: an ingress thread's or single mode's, which accept connections (HTTPS and
 * HTTP/2 as the options say, http-server.ts); the master's, which answers the requests ingress
 * threads forward to it; a pool thread's, which never serves.
 *
 * Request logging ("incoming request", "request completed") is off unless `requestLogging`
 * asks for it: two log lines per request would be the bottleneck under load. It is done by
 * the thread that accepted the connection, for every request it answers or forwards (it sees
 * the client's address and the whole time); the master, whose requests are all forwarded,
 * logs none of its own, and its handlers log with the id the ingress thread gave the request.
 *
 * `request.log` works on every thread (hooks and plugins use it): a child of gopool's logger
 * made on first use (ingress/request-logger.ts). Without request logging, ingress threads give
 * fastify no logger of its own (with one, fastify puts two listeners on every response for the
 * "request completed" line that is switched off anyway), and `request.log` is made there by an
 * accessor rather than a factory (logOnFirstUse says why). `fastify.log` is then silent there;
 * the master keeps it for what plugins log while they load.
 */
export function createFastify(
  options: GopoolOptions,
  log: FastifyBaseLogger,
  { role, tls, appCode }: { role: FastifyRole; tls?: TlsFiles | undefined; appCode: boolean },
): FastifyInstance {
  const http = log.child({ component: 'http' });
  const timeouts = serverTimeouts(options);
  const accepts = role === 'ingress' || role === 'single';
  // Threads that serve the public port count their requests themselves (metrics), from when they arrived.
  const protocol: Protocol = accepts ? { tls, http2: options.http2, stamp: options.metrics } : { http2: false, stamp: false };
  const logsRequests = accepts && options.requestLogging;
  const hasLogger = role === 'master' || (role === 'single' && appCode) || logsRequests;
  // With a logger, fastify's parent carries its req/res serializers (what "incoming request" shows).
  const childLoggerFactory: FastifyServerOptions['childLoggerFactory'] = (parent, bindings, childOptions) =>
    new RequestLogger(hasLogger ? parent : http, bindings, childOptions);
  deferSchemaCompilers();
  const app = Fastify({
    ...(hasLogger ? { loggerInstance: http as FastifyBaseLogger, childLoggerFactory } : { logger: false }),
    logController: new LogController({ disableRequestLogging: !logsRequests }),
    genReqId: role === 'master' ? forwardedIds() : requestIds(),
    // The master's requests come from ingress threads, with the id they chose (header or not).
    ...(options.requestIdHeader && role !== 'master' ? { requestIdHeader: options.requestIdHeader } : {}),
    // A number of hops is fastify's (proxy-addr's) too, though its types omit it.
    trustProxy: parseTrustProxy(options.trustProxy) as FastifyServerOptions['trustProxy'],
    bodyLimit: options.bodyLimit,
    // Slow clients are dropped (408) on every accepting thread.
    ...timeouts,
    // For fastify's own account of the server (its listening line, `listeningOrigin`): the server is the factory's.
    ...(protocol.tls ? { https: true } : {}),
    serverFactory: (handler) => {
      const server = createHttpServer(handler as Parameters<typeof createHttpServer>[0], protocol, timeouts);
      trackUpgrades(server);
      return server as ReturnType<NonNullable<FastifyServerOptions['serverFactory']>>;
    },
    // Closing drains instead (ingress/drain.ts): requests still arriving are served, not 503ed.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  if (appCode && !hasLogger && !logOnFirstUse(app, http)) app.setChildLoggerFactory(childLoggerFactory);
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

/**
 * The header that carries the id an ingress thread gave a request it forwards to the master:
 * the master sets it (over whatever the client sent under that name) on the request it injects
 * into its fastify, which takes its id from it.
 */
export const FORWARDED_ID_HEADER = 'x-gopool-request-id';

/**
 * The master's ids: the one the ingress thread that forwarded the request gave it (in a header
 * the thread sets over whatever the client sent, removed here), so that the thread's request
 * log lines and a master handler's own lines carry the same `reqId`.
 */
function forwardedIds(): (req: IncomingMessage) => string {
  const generated = requestIds();
  return (req) => {
    const id = req.headers[FORWARDED_ID_HEADER];
    if (typeof id !== 'string' || id === '') return generated();
    delete req.headers[FORWARDED_ID_HEADER];
    return id;
  };
}

/** The URL a client uses, from what the socket is really bound to (port 0 becomes a number). */
export function boundUrl(app: FastifyInstance, secure: boolean): { url: string; port: number } {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new ERR_NOT_TCP();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `${secure ? 'https' : 'http'}://${host}:${address.port}`, port: address.port };
}
