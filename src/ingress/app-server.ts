import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppDefinition } from '../api/app-definition';
import type { GopoolOptions } from '../config/options';
import { createFastify } from './create-fastify';
import { mountApp } from './mount-app';

/**
 * The app's fastify on a thread that accepts no connection (a pool thread): the app's set-up
 * applied as on every accepting thread (its plugins, their decorations: `@fastify/jwt`'s
 * `jwt`, `gopool.decorate`d values), never listening, so that a handler running here finds
 * in `request.server` what it would find where the request was accepted. An app without
 * set-up calls gets a bare fastify, made the first time a handler asks for it: a thread that
 * never needs one never loads fastify.
 */
export async function appServer(definition: AppDefinition, options: GopoolOptions, log: FastifyBaseLogger): Promise<() => FastifyInstance> {
  if (definition.setup.length === 0) {
    let bare: FastifyInstance | undefined;
    return () => (bare ??= (require('fastify') as typeof import('fastify')).default({ logger: false }) as unknown as FastifyInstance);
  }
  const app = createFastify(options, log, { role: 'pool', appCode: true });
  let scope: FastifyInstance = app;
  await mountApp(app, {
    definition,
    options,
    log,
    onAppScope: (appScope) => {
      scope = appScope;
    },
  });
  await app.ready();
  return () => scope;
}
