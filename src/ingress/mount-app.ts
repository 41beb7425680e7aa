import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDefinition } from '../api/app-definition';
import type { GopoolOptions } from '../config/options';
import { ErrorClasses } from '../dispatch/error-classes';
import { countNotFound, countOtherAnswers, type OnAnswered } from './answer-counts';
import { appParserArgs } from './app-parsers';
import { discardRest } from './body-stream';
import { defaultErrorHandler } from './error-handler';
import { formBodies, parsesForms } from './form-body';
import { type GopoolRoutesOptions, gopoolRoutes } from './gopool-routes';
import { jsonBodyParser } from './json-body';
import { parseTrustProxy } from './trust-proxy';

export interface MountAppArgs {
  definition: AppDefinition;
  options: GopoolOptions;
  /** The thread's logger, for what gopool logs of a request. */
  log: FastifyBaseLogger;
  /** gopool's routes, where this thread accepts their requests (not on the master). */
  routes?: Omit<GopoolRoutesOptions, 'routes' | 'onAnswered' | 'streamIdleTimeout' | 'errorClasses' | 'log' | 'peerIsClient'>;
  /** Counts answered requests (ingress threads: metrics are tallied per thread). */
  onAnswered?: OnAnswered | undefined;
  /** The master's own routes: a child scope for the app's `onMaster`. */
  masterScope?: (scope: FastifyInstance) => Promise<void>;
  /** Told the scope that holds the app's set-up (its handlers' `request.server` where they run away from fastify's routes). */
  onAppScope?: (scope: FastifyInstance) => void;
}

/**
 * The app, as every thread that accepts connections serves it: one encapsulated fastify scope
 * holding gopool's defaults (error handler, JSON parser with a nesting limit, form bodies), then the app's
 * own set-up replayed in the order the user's file declared it (`gopool.register`,
 * `gopool.addHook`, ...), then the gopool routes, and on the master a child scope for
 * `onMaster`. Monitoring lives beside it, outside the app's hooks.
 */
export async function mountApp(app: FastifyInstance, args: MountAppArgs): Promise<void> {
  const { definition, options, onAnswered, masterScope, routes, onAppScope, log } = args;
  await app.register(async function gopoolDefaults(defaults: FastifyInstance) {
    // gopool's defaults one scope above the app's, so that the app's own error handler and
    // JSON parser replace them without fastify's warning about overriding in the same scope;
    // an app error handler that passes an error on (`reply.send(error)`) reaches this one.
    defaults.setErrorHandler(defaultErrorHandler(log));
    // A body over the limit is answered 413 before it is all read. fastify then closes the
    // connection, and a client still sending gets a reset instead of the 413: read on and
    // discard the rest instead (bounded in time, body-stream.ts), keeping the connection.
    defaults.addHook('onError', (req, reply, err, done) => {
      if ((err as { statusCode?: number }).statusCode === 413 && !req.raw.complete) {
        reply.removeHeader('connection');
        discardRest(req);
      }
      done();
    });
    defaults.removeContentTypeParser('application/json');
    defaults.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser(defaults, options.jsonDepthLimit));
    await formBodies(defaults);
    await defaults.register(async function gopoolApp(scope: FastifyInstance) {
      // An app's own JSON or form parser replaces gopool's, as in fastify it replaces fastify's default.
      if (definition.setup.some((call) => call.method === 'addContentTypeParser' && parsesJson(call.args[0])))
        scope.removeContentTypeParser('application/json');
      if (definition.setup.some(parsesForms)) scope.removeContentTypeParser('application/x-www-form-urlencoded');
      onAppScope?.(scope);
      const countMissing = onAnswered ? countNotFound(onAnswered) : undefined;
      definition.applyTo(scope, (call) => {
        if (call.method === 'addContentTypeParser') return appParserArgs(scope, call.args, options.jsonDepthLimit);
        const last = call.args.length - 1;
        if (countMissing && call.method === 'setNotFoundHandler' && typeof call.args[last] === 'function') {
          const handler = call.args[last] as (...args: unknown[]) => unknown;
          return [
            ...call.args.slice(0, last),
            function countedNotFound(this: unknown, ...args: unknown[]) {
              countMissing(args[0] as FastifyRequest, args[1] as FastifyReply);
              return handler.apply(this, args);
            },
          ];
        }
        return call.args;
      });
      if (!definition.setup.some((call) => call.method === 'setNotFoundHandler')) {
        // fastify's own answer, in the app's scope: counted (its default handler cannot be
        // wrapped, and one set at the root would forbid the app's), and under the app's hooks,
        // as a fastify app's 404s are: @fastify/websocket's among them, which ends the
        // connection of an upgrade request for no route.
        scope.setNotFoundHandler((req, reply) => {
          countMissing?.(req, reply);
          reply.code(404).send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });
        });
      }
      if (routes) {
        if (onAnswered) countOtherAnswers(scope, onAnswered);
        await scope.register(
          gopoolRoutes({
            ...routes,
            streamIdleTimeout: options.streamIdleTimeout,
            peerIsClient: parseTrustProxy(options.trustProxy) === false,
            routes: definition.routes.list(),
            errorClasses: new ErrorClasses(() => definition.functions()),
            log,
            onAnswered,
          }),
        );
      }
      if (masterScope) await scope.register(masterScope);
    });
  });
}

function parsesJson(contentType: unknown): boolean {
  const types = Array.isArray(contentType) ? contentType : [contentType];
  return types.some((type) => typeof type === 'string' && type.trim().toLowerCase() === 'application/json');
}
