// Measured reason (bench/startup.mjs): fastify loads Ajv and fast-json-stringify in every instance's constructor, schemas or not.
import Module, { createRequire } from 'node:module';

/**
 * fastify's default schema compilers (`@fastify/ajv-compiler`, which loads Ajv and its formats,
 * and `@fastify/fast-json-stringify-compiler`) are required by every fastify instance as it is
 * made, though fastify calls them only for a route with a schema. Every gopool thread that
 * makes an instance (the master's, every ingress thread's, a pool thread's for an app with
 * set-up) paid for both. This puts a stand-in for each module in the require cache, where
 * fastify will look for it: it answers fastify's call with a builder that loads the real module
 * the first time a schema is compiled, and hands everything else (`AjvReference`,
 * `StandaloneValidator`, ...) to the real module as it is read.
 *
 * Not fastify's own `schemaController.compilersFactory`: a validator given there counts as the
 * app's custom one, and fastify then leaves header schemas as written instead of lower-casing
 * their names (Node lower-cases the request's).
 */
export function deferSchemaCompilers(): void {
  const fromFastify = createRequire(require.resolve('fastify'));
  for (const name of ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler']) {
    const file = fromFastify.resolve(name);
    if (require.cache[file] !== undefined) continue; // loaded or deferred already
    const standIn = new Module(file);
    standIn.filename = file;
    standIn.loaded = true;
    let real: ((...args: unknown[]) => unknown) & Record<PropertyKey, unknown>;
    const load = (): typeof real => {
      if (real === undefined) {
        if (require.cache[file] === standIn) delete require.cache[file];
        real = fromFastify(name);
      }
      return real;
    };
    // fastify calls the module's export once per instance for a builder, and the builder once
    // per set of shared schemas for a compiler: only that second call needs the real module.
    const selector = (...options: unknown[]) => {
      let builder: ((...args: unknown[]) => unknown) | undefined;
      return (...args: unknown[]) => {
        builder ??= load()(...options) as (...args: unknown[]) => unknown;
        return builder(...args);
      };
    };
    standIn.exports = new Proxy(selector, {
      get: (target, property) => (property === 'prototype' || property === 'length' || property === 'name' ? Reflect.get(target, property) : load()[property]),
      has: (_target, property) => property in load(),
    });
    require.cache[file] = standIn;
  }
}
