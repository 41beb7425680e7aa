import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HeaderGetter } from '../api/gopool';
import type { RouteDefinition } from '../api/route-registry';
import type { Dispatcher, TaskRequest, TaskResult } from '../dispatch/task';
import type { Logger } from '../runtime/logger';
import { sendFailure, sendResult } from './send-result';

export interface GopoolRoutesOptions {
  routes: RouteDefinition[];
  /** Where each route's handler runs. */
  dispatcherFor: (route: RouteDefinition) => Dispatcher;
  headerGetter: HeaderGetter | undefined;
  defaultTimeout: number;
  log: Logger;
  /**
   * Told of every answer these routes send (where metrics are counted per thread). Called
   * here rather than from an onResponse hook: a hook costs every request about a microsecond.
   */
  onAnswered?: (method: string, path: string, status: number, ms: number) => void;
}

const NO_HEADERS = Object.freeze({}) as Record<string, unknown>;

/**
 * A fastify plugin that mounts the user's gopool routes. Registered after `onMaster` ran, so
 * hooks and plugins the user added to `app` there apply to these routes too. Fastify has
 * already parsed the body (400 on bad JSON, 413 over the limit) and matched the route (404).
 */
export function gopoolRoutes(options: GopoolRoutesOptions) {
  return async function mountGopoolRoutes(app: FastifyInstance): Promise<void> {
    for (const route of options.routes) {
      const dispatcher = options.dispatcherFor(route);
      const timeout = route.options.timeout ?? options.defaultTimeout;
      const { headerGetter, log, onAnswered } = options;
      const answer = (req: FastifyRequest, reply: FastifyReply, result: TaskResult): void => {
        sendResult(reply, result);
        onAnswered?.(req.method, route.path, reply.statusCode, reply.elapsedTime);
      };
      const fail = (req: FastifyRequest, reply: FastifyReply, err: unknown): void => {
        sendFailure(reply, err, log);
        onAnswered?.(req.method, route.path, reply.statusCode, reply.elapsedTime);
      };
      app.route({
        method: [...route.methods],
        url: route.path,
        handler(req: FastifyRequest, reply: FastifyReply): void {
          let request: TaskRequest;
          try {
            request = {
              method: req.method,
              url: req.url,
              params: req.params as Record<string, string>,
              query: req.query,
              body: req.body,
              headers: headerGetter ? headerGetter(req.headers) : NO_HEADERS,
            };
          } catch (err) {
            log.error({ err }, 'gopool.headerGetter threw');
            sendFailure(reply, err, log);
            return;
          }
          const outcome = dispatcher.run(route.key, request, timeout);
          if (outcome instanceof Promise) outcome.then((result) => answer(req, reply, result), (err: unknown) => fail(req, reply, err));
          else answer(req, reply, outcome);
        },
      });
    }
  };
}
