import type { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions as FastifyRouteOptions } from 'fastify';
import { FASTIFY_ROUTE_OPTIONS, type RouteDefinition } from '../api/route-registry';
import type { HeaderGetter, RequestGetter } from '../api/types';
import type { ErrorClasses } from '../dispatch/error-classes';
import { RequestContext } from '../dispatch/handler-request';
import type { InlineDispatcher } from '../dispatch/inline-dispatcher';
import type { Placement } from '../dispatch/placement';
import { BodyKind, type TaskResult } from '../dispatch/task';
import { ERR_BODY_TOO_LARGE, ERR_CLIENT_GONE } from '../errors';
import { countHandlerAnswer, markHandlerAnswer, type OnAnswered } from './answer-counts';
import { bodyStream, declaredTooLarge, discardRest, rawBodyScope } from './body-stream';
import { clientAddress } from './client-address';
import { ClientWatch } from './client-watch';
import { isMultipart, multipartBody } from './multipart-body';
import { sendError, sendResult } from './send-result';
import type { StreamSettings } from './send-stream';

export interface GopoolRoutesOptions {
  routes: RouteDefinition[];
  /** Where a route's handler runs (dispatch/placement.ts): here, inline, or away on another thread. */
  placement: Placement<InlineDispatcher>;
  headerGetter: HeaderGetter | undefined;
  requestGetter: RequestGetter | undefined;
  defaultTimeout: number;
  /** No `trustProxy`: the client's address is the connection's peer (client-address.ts). */
  peerIsClient: boolean;
  /** Milliseconds a streamed response may produce nothing while its client waits (0: no limit); a route may say otherwise. */
  streamIdleTimeout: number;
  /** What a handler threw on another thread is rebuilt as its class here. */
  errorClasses: ErrorClasses;
  /** The thread's logger. */
  log: FastifyBaseLogger;
  /**
   * Told of every result the handlers send (where metrics are counted per thread). What else
   * answers (errors, the app's hooks) is counted by the app's scope: answer-counts.ts.
   */
  onAnswered?: OnAnswered | undefined;
}

const NO_HEADERS = Object.freeze({}) as Record<string, unknown>;

/**
 * A fastify plugin that mounts the app's gopool routes, in the scope where the app's own
 * set-up (plugins, hooks, schemas, parsers, error handler) was applied: fastify parses and
 * validates the request and runs the hooks on the thread that accepted the connection; then
 * the handler runs where placement says, with what crossed (TaskRequest).
 */
export function gopoolRoutes(options: GopoolRoutesOptions) {
  return async function mountGopoolRoutes(app: FastifyInstance): Promise<void> {
    const rawBodies = options.routes.filter((route) => route.options.body === 'stream');
    for (const route of options.routes) if (route.options.body !== 'stream') mountRoute(app, route, options);
    if (rawBodies.length > 0)
      await app.register(
        rawBodyScope((scope) => {
          for (const route of rawBodies) mountRoute(scope, route, options);
        }),
      );
  };
}

function mountRoute(app: FastifyInstance, route: RouteDefinition, options: GopoolRoutesOptions): void {
  const timeout = route.options.timeout ?? options.defaultTimeout;
  const { headerGetter, requestGetter, placement, onAnswered, peerIsClient } = options;
  const streams: StreamSettings = { route: route.key, idleMs: route.options.streamIdleTimeout ?? options.streamIdleTimeout, log: options.log };
  const streamed = route.options.body === 'stream';
  const placed = placement.track(route);
  const inline = placement.here.prepare(route);
  const answer = (req: FastifyRequest, reply: FastifyReply, result: TaskResult): void => {
    // An error result is counted as fastify answers it (answer-counts.ts, countOtherAnswers).
    const counted = onAnswered !== undefined && result.kind !== BodyKind.Error;
    if (counted) markHandlerAnswer(req);
    sendResult(reply, result, streams, options.errorClasses);
    if (counted) countHandlerAnswer(req, reply, route.path, onAnswered);
  };
  const fail = (_req: FastifyRequest, reply: FastifyReply, err: unknown): void => {
    if (!reply.sent) sendError(reply, err);
  };
  // One function for all of the route's inline runs: the request's watch knows its reply.
  const settle = (watch: ClientWatch, result: TaskResult | undefined, err?: Error): void => {
    const reply = watch.reply;
    if (result) answer(reply.request, reply, result);
    else fail(reply.request, reply, err);
  };
  const run = (req: FastifyRequest, reply: FastifyReply, body: unknown): void => {
    let request: RequestContext;
    try {
      request = taskRequest(req, body, headerGetter, requestGetter, peerIsClient);
    } catch (err) {
      fail(req, reply, err);
      return;
    }
    if (streamed) request.stream = rawBody(req, reply);
    const target = placement.where(placed);
    if (target === 'here') {
      placement.here.runHere(inline, request, timeout, new ClientWatch(reply), settle);
      return;
    }
    placement
      .away(target)
      .run(route.key, request, timeout, new ClientWatch(reply))
      .then(
        (result) => answer(req, reply, result),
        (err: unknown) => fail(req, reply, err),
      );
  };
  const fastifyOptions: Record<string, unknown> = {};
  for (const name of FASTIFY_ROUTE_OPTIONS) if (route.options[name] !== undefined) fastifyOptions[name] = route.options[name];
  app.route({
    ...(fastifyOptions as Partial<FastifyRouteOptions>),
    method: [...route.methods],
    url: route.path,
    handler(req: FastifyRequest, reply: FastifyReply): void {
      const multipart = !streamed && isMultipart(req);
      if (streamed || multipart) {
        const limit = req.routeOptions.bodyLimit ?? Infinity;
        if (declaredTooLarge(req, limit)) {
          refuse(req, reply, new ERR_BODY_TOO_LARGE(limit));
          return;
        }
        // The parts are read here, into plain data that can cross to the handler's thread.
        if (multipart) {
          multipartBody(req, limit).then(
            (body) => run(req, reply, body),
            (err: unknown) => refuse(req, reply, err),
          );
          return;
        }
      }
      run(req, reply, streamed ? undefined : req.body);
    },
  });
}

/**
 * A `body: "stream"` route's body, for the handler to read as it likes. Past the limit the
 * client gets 413 at once (body-stream.ts). When the response is over, whatever the handler
 * left unread is discarded.
 */
function rawBody(req: FastifyRequest, reply: FastifyReply) {
  const payload = req.body as Readable | undefined;
  const stream = bodyStream(payload, req.routeOptions.bodyLimit ?? Infinity, (err) => refuse(req, reply, err, payload));
  reply.raw.once('close', () => stream.cancel(new ERR_CLIENT_GONE()));
  return stream;
}

/** A body that cannot be taken (too large, a malformed multipart form): answered now, the rest discarded. */
function refuse(req: FastifyRequest, reply: FastifyReply, err: unknown, payload?: Readable): void {
  if (reply.sent) return;
  sendError(reply, err);
  discardRest(req, payload);
}

/** What crosses to the handler's thread, taken from the fastify request after its hooks ran. */
function taskRequest(
  req: FastifyRequest,
  body: unknown,
  headerGetter: HeaderGetter | undefined,
  requestGetter: RequestGetter | undefined,
  peerIsClient: boolean,
): RequestContext {
  const request = new RequestContext(
    req.method,
    req.url,
    req.params as Record<string, string>,
    req.query,
    body,
    headerGetter ? headerGetter(req.headers) : NO_HEADERS,
    req.id,
    clientAddress(req, peerIsClient),
  ).useServer(req.server);
  const cookies = (req as { cookies?: Record<string, string | undefined> }).cookies;
  if (cookies !== undefined) request.cookies = cookies;
  if (requestGetter) request.addExtra(requestGetter(req));
  return request;
}
