import { ERR_ROUTE_AFTER_START, ERR_ROUTE_DUPLICATE, ERR_ROUTE_HANDLER, ERR_ROUTE_OPTION, ERR_ROUTE_PATH } from '../errors';
import type { Handler, RouteMethod, RouteOptions } from './types';
import { ROUTE_METHODS } from './types';

export interface RouteDefinition {
  /** `GET /users/:id`: the same string in the master and in every thread, used as the task's address. */
  readonly key: string;
  readonly methods: readonly RouteMethod[];
  readonly path: string;
  readonly options: Readonly<RouteOptions>;
  readonly handler: Handler;
}

/**
 * The route table. The master and every thread load the same user file and so build the
 * same table; a task names its route by key, never by index, so that a file registering
 * routes in a different order per role fails loudly instead of calling the wrong handler.
 */
export class RouteRegistry {
  private readonly routes = new Map<string, RouteDefinition>();
  private frozenBy: string | undefined;

  add(method: RouteMethod | 'ALL', path: string, options: RouteOptions, handler: Handler): RouteDefinition {
    if (this.frozenBy) {
      throw new ERR_ROUTE_AFTER_START(`${method} ${path}`, this.frozenBy);
    }
    if (typeof path !== 'string' || (!path.startsWith('/') && path !== '*')) {
      throw new ERR_ROUTE_PATH(JSON.stringify(path));
    }
    if (typeof handler !== 'function') {
      throw new ERR_ROUTE_HANDLER(`${method} ${path}`, typeof handler);
    }
    validateRouteOptions(method, path, options);
    const key = `${method} ${path}`;
    if (this.routes.has(key)) throw new ERR_ROUTE_DUPLICATE(key);
    const methods = method === 'ALL' ? ROUTE_METHODS : [method];
    const route: RouteDefinition = { key, methods, path, options: { ...options }, handler };
    this.routes.set(key, route);
    return route;
  }

  get(key: string): RouteDefinition | undefined {
    return this.routes.get(key);
  }

  list(): RouteDefinition[] {
    return [...this.routes.values()];
  }

  freeze(reason: string): void {
    this.frozenBy ??= reason;
  }
}

/** Route options gopool reads itself. */
const GOPOOL_OPTIONS = ['timeout', 'runOn', 'body', 'streamIdleTimeout'];
/** Route options that are fastify's: passed to the accepting threads' route as they are. */
export const FASTIFY_ROUTE_OPTIONS = [
  'schema',
  'config',
  'bodyLimit',
  'logLevel',
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'onSend',
  'onResponse',
  'onError',
] as const;
const KNOWN = new Set<string>([...GOPOOL_OPTIONS, ...FASTIFY_ROUTE_OPTIONS]);
const HOOKS = new Set<string>(FASTIFY_ROUTE_OPTIONS.slice(4));

function validateRouteOptions(method: string, path: string, options: RouteOptions): void {
  const where = `${method} ${path}`;
  if (typeof options !== 'object' || options === null) throw new ERR_ROUTE_OPTION(where, 'the options must be an object');
  for (const [name, value] of Object.entries(options)) {
    if (!KNOWN.has(name)) throw new ERR_ROUTE_OPTION(where, `unknown option "${name}" (known: ${[...KNOWN].join(', ')})`);
    if (HOOKS.has(name) && value !== undefined) {
      const fns = Array.isArray(value) ? value : [value];
      if (!fns.every((fn) => typeof fn === 'function')) throw new ERR_ROUTE_OPTION(where, `${name} must be a function or an array of functions`);
    }
  }
  if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout > 0)) {
    throw new ERR_ROUTE_OPTION(where, 'timeout must be a positive integer (milliseconds)');
  }
  if (options.runOn !== undefined && options.runOn !== 'auto' && options.runOn !== 'pool' && options.runOn !== 'master') {
    throw new ERR_ROUTE_OPTION(where, 'runOn must be "auto", "pool" or "master"');
  }
  if (options.schema !== undefined && (typeof options.schema !== 'object' || options.schema === null)) {
    throw new ERR_ROUTE_OPTION(where, 'schema must be an object (fastify route schema)');
  }
  if (options.bodyLimit !== undefined && !(Number.isInteger(options.bodyLimit) && options.bodyLimit > 0)) {
    throw new ERR_ROUTE_OPTION(where, 'bodyLimit must be a positive integer (bytes)');
  }
  if (options.body !== undefined && options.body !== 'parsed' && options.body !== 'stream') {
    throw new ERR_ROUTE_OPTION(where, 'body must be "parsed" or "stream"');
  }
  if (options.streamIdleTimeout !== undefined && !(Number.isInteger(options.streamIdleTimeout) && options.streamIdleTimeout >= 0)) {
    throw new ERR_ROUTE_OPTION(where, 'streamIdleTimeout must be an integer >= 0 (milliseconds; 0: no limit)');
  }
}
