import type { ServerOptions } from 'node:http';
import type { GopoolOptions } from '../config/options';

/**
 * The fastify options that bound how long a client may hold a connection, for every server
 * that accepts connections (the master's, each ingress thread's, the monitoring port's).
 *
 * fastify's defaults set no request timeout (`requestTimeout: 0`), so a client that sends its
 * headers and then trickles its body one byte at a time holds a connection, and the memory
 * behind it, forever. Node drops such a client with 408 once `requestTimeout` (the whole
 * request) or `headersTimeout` (the headers alone, from the request's first byte) has passed.
 * Neither counts the time a handler takes, nor the idle time of a kept-alive connection
 * between requests: that is `keepAliveTimeout`.
 *
 * Node checks the deadlines every `connectionsCheckingInterval` (30 s by default, which would
 * let a 20 s timeout run to 50 s): here a tenth of the shortest timeout, at most a second.
 */
export function serverTimeouts(options: Pick<GopoolOptions, 'requestTimeout' | 'headersTimeout' | 'keepAliveTimeout'>) {
  const { requestTimeout, keepAliveTimeout } = options;
  // Node refuses headersTimeout > requestTimeout; the whole request's limit covers its headers anyway.
  const headersTimeout = requestTimeout > 0 && options.headersTimeout > requestTimeout ? requestTimeout : options.headersTimeout;
  const shortest = Math.min(...[requestTimeout, headersTimeout].filter((ms) => ms > 0));
  const http: ServerOptions = {
    requestTimeout,
    headersTimeout,
    ...(Number.isFinite(shortest) ? { connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(shortest / 10))) } : {}),
  };
  // fastify sets server.requestTimeout and keepAliveTimeout from its own options after creating
  // the server with `http`: both carry the same values.
  return { requestTimeout, keepAliveTimeout, http };
}
