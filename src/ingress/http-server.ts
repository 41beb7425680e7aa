import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import https from 'node:https';
import { Socket } from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import { ArrivingMessage, stampArrival } from './arrival';
import { OpenConnections } from './open-connections';
import { refuseMalformed } from './refuse-malformed';
import type { serverTimeouts } from './server-timeouts';
import type { TlsFiles } from './tls-files';

/** The server of an accepting thread: HTTP/1.1, HTTPS, h2c, or h2 with HTTP/1.1 beside it. */
export type HttpServer = http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer;
export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

export interface Protocol {
  /** The key and certificate: HTTPS. */
  tls?: TlsFiles | undefined;
  /** HTTP/2: over TLS by ALPN (HTTP/1.1 for the other clients), else cleartext h2c. */
  http2: boolean;
  /** Stamp each request's arrival (where requests are counted for the metrics). */
  stamp: boolean;
}

const OPEN = new WeakMap<object, OpenConnections>();

/** What a TLS or HTTP/2 server has open; undefined for a plain HTTP/1.1 server (Node tracks its connections). */
export function openConnections(server: object): OpenConnections | undefined {
  return OPEN.get(server);
}

/**
 * Builds the server fastify runs on. Requests are stamped on arrival (metrics) and, on
 * HTTP/1.x, those RFC 9112 says to refuse are refused before fastify sees them; the client
 * timeouts of server-timeouts.ts bound HTTP/1.1 requests on every kind of server, and an idle
 * HTTP/2 session is closed (GOAWAY) after the keep-alive timeout.
 */
export function createHttpServer(
  handler: (req: AnyRequest, res: AnyResponse) => void,
  protocol: Protocol,
  timeouts: ReturnType<typeof serverTimeouts>,
): HttpServer {
  // HTTP/1 requests are stamped on arrival by their own class (arrival.ts), HTTP/2 ones below.
  const stamped = protocol.stamp ? { IncomingMessage: ArrivingMessage } : {};
  if (!protocol.tls && !protocol.http2) {
    // The lean path of most deployments: nothing checked per request beyond what it needs.
    const server = http.createServer({ ...timeouts.http, ...stamped }, (req, res) => {
      if (!refuseMalformed(req, res)) handler(req, res);
    });
    // What fastify sets on a server it creates itself.
    server.keepAliveTimeout = timeouts.keepAliveTimeout;
    server.requestTimeout = timeouts.requestTimeout;
    return server;
  }
  const onRequest = (req: AnyRequest, res: AnyResponse): void => {
    if (req instanceof Http2ServerRequest) {
      if (protocol.stamp) stampArrival(req);
      handler(req, res);
    } else if (!refuseMalformed(req, res as ServerResponse)) handler(req, res);
  };
  const secure = protocol.tls ? tlsOptions(protocol.tls, timeouts) : undefined;
  let server: HttpServer;
  if (!protocol.http2) {
    server = https.createServer({ ...timeouts.http, ...secure, ...stamped }, onRequest);
  } else if (secure) {
    server = http2.createSecureServer({ ...secure, allowHTTP1: true, ...(protocol.stamp ? { Http1IncomingMessage: ArrivingMessage } : {}) }, onRequest);
    // The HTTP/1.1 connections of an HTTP/2 server read these properties (untyped), not its options.
    const h1 = server as unknown as { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
    if (timeouts.http.headersTimeout !== undefined) h1.headersTimeout = timeouts.http.headersTimeout;
    h1.requestTimeout = timeouts.requestTimeout;
    if (timeouts.http.connectionsCheckingInterval !== undefined) h1.connectionsCheckingInterval = timeouts.http.connectionsCheckingInterval;
  } else {
    server = http2.createServer({}, onRequest);
  }
  (server as { keepAliveTimeout?: number }).keepAliveTimeout = timeouts.keepAliveTimeout;
  if (server instanceof https.Server) server.requestTimeout = timeouts.requestTimeout;
  OPEN.set(server, new OpenConnections(server, timeouts.keepAliveTimeout));
  return server;
}

function tlsOptions(files: TlsFiles, timeouts: ReturnType<typeof serverTimeouts>): tls.TlsOptions {
  // A client that opens a connection and never finishes its handshake holds it no longer than
  // one that never finishes its headers (Node's own default is two minutes).
  const headersTimeout = timeouts.http.headersTimeout ?? 0;
  return {
    key: files.key,
    cert: files.cert,
    ...(files.passphrase ? { passphrase: files.passphrase } : {}),
    ...(headersTimeout > 0 ? { handshakeTimeout: headersTimeout } : {}),
  };
}

/** Whether the request came over HTTP/2 (a stream of a session, not a connection of its own). */
export function isHttp2(req: AnyRequest): req is Http2ServerRequest {
  return req instanceof Http2ServerRequest;
}

/** The event a server emits with the socket its HTTP/1 requests see as `req.socket`: TLS servers wrap the TCP one. */
export function requestSocketEvent(server: HttpServer): 'connection' | 'secureConnection' {
  return server instanceof tls.Server ? 'secureConnection' : 'connection';
}

/**
 * Cuts a response short so that the client cannot take it for whole: a TCP reset of its
 * connection, or on HTTP/2 a reset of its stream alone (the session's other streams go on).
 */
export function resetResponse(res: AnyResponse): void {
  if (res instanceof Http2ServerResponse) {
    if (!res.stream.destroyed) res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const socket = res.socket;
  if (!socket || socket.destroyed) return;
  // Under TLS the reset goes on the TCP socket the TLS one wraps (Node's `_parent`): a TLS
  // socket cannot send one itself, and a plain close could look like the end of the body.
  const tcp = socket instanceof TLSSocket ? (socket as TLSSocket & { _parent?: unknown })._parent : socket;
  if (tcp instanceof Socket && !tcp.destroyed) {
    try {
      tcp.resetAndDestroy();
    } catch {
      // not a TCP handle after all: the plain close below
    }
  }
  socket.destroy();
}
