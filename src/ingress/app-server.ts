import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppDefinition } from '../api/app-definition';
import type { GopoolOptions } from '../config/options';
import { deferSchemaCompilers } from './deferred-schema-compilers';

/**
 * The app's fastify on a thread that accepts no connection (a pool thread): the app's set-up
 * applied as on every accepting thread (its plugins, their decorations: `@fastify/jwt`'s
 * `jwt`, `gopool.decorate`d values), never listening, so that a handler running here finds
 * in `request.server` what it would find where the request was accepted. An app without
 * set-up calls gets a bare fastify, made the first time a handler asks for it: a thread that
 * never needs one never loads fastify (hence the modules that load it are required here, not
 * imported at the top).
 */
export async function appServer(definition: AppDefinition, options: GopoolOptions, log: FastifyBaseLogger): Promise<() => FastifyInstance> {
  if (definition.setup.length === 0) {
    let bare: FastifyInstance | undefined;
    return () => {
      if (bare === undefined) {
        deferSchemaCompilers();
        bare = (require('fastify') as typeof import('fastify')).default({ logger: false }) as unknown as FastifyInstance;
      }
      return bare;
    };
  }
  const { createFastify } = require('./create-fastify') as typeof import('./create-fastify');
  const { mountApp } = require('./mount-app') as typeof import('./mount-app');
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
