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
      throw new TypeError(`gopool: route ${method} ${path} was registered after ${this.frozenBy}; register every route before starting`);
    }
    if (typeof path !== 'string' || !path.startsWith('/') && path !== '*') {
      throw new TypeError(`gopool: route path must be a string starting with "/", got ${JSON.stringify(path)}`);
    }
    if (typeof handler !== 'function') {
      throw new TypeError(`gopool: the handler of ${method} ${path} must be a function, got ${typeof handler}`);
    }
    validateRouteOptions(method, path, options);
    const key = `${method} ${path}`;
    if (this.routes.has(key)) throw new TypeError(`gopool: route ${key} is registered twice`);
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

function validateRouteOptions(method: string, path: string, options: RouteOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`gopool: the options of ${method} ${path} must be an object`);
  }
  const known = new Set(['timeout', 'runOn']);
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new TypeError(`gopool: unknown route option "${name}" on ${method} ${path} (known: ${[...known].join(', ')})`);
  }
  if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout > 0)) {
    throw new TypeError(`gopool: route option timeout of ${method} ${path} must be a positive integer (milliseconds)`);
  }
  if (options.runOn !== undefined && options.runOn !== 'auto' && options.runOn !== 'pool' && options.runOn !== 'master') {
    throw new TypeError(`gopool: route option runOn of ${method} ${path} must be "auto", "pool" or "master"`);
  }
}
