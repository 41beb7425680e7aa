import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { SetupCall } from '../api/app-definition';

const FORM = 'application/x-www-form-urlencoded';

/**
 * HTML form posts (and curl's default `-d`): `application/x-www-form-urlencoded` bodies parsed
 * to an object as query strings are (`a=1&a=2` → `{ a: ['1', '2'] }`), under `bodyLimit`
 * (413), with @fastify/formbody, fastify's own plugin for it (registered in the scope it is
 * given: it is not encapsulated).
 */
export function formBodies(scope: FastifyInstance): Promise<unknown> {
  return scope.register(formbody) as unknown as Promise<unknown>;
}

/** Does this set-up call of the app parse form bodies itself (its own @fastify/formbody or parser)? */
export function parsesForms(call: SetupCall): boolean {
  if (call.method === 'addContentTypeParser') {
    const types = Array.isArray(call.args[0]) ? call.args[0] : [call.args[0]];
    return types.some((type) => typeof type === 'string' && type.trim().toLowerCase() === FORM);
  }
  if (call.method !== 'register') return false;
  const plugin = call.args[0] as ({ [key: symbol]: unknown; name?: string } & object) | undefined;
  if (typeof plugin !== 'function' && (typeof plugin !== 'object' || plugin === null)) return false;
  const meta = (plugin as Record<symbol, { name?: unknown } | undefined>)[Symbol.for('plugin-meta')];
  return meta?.name === '@fastify/formbody' || (plugin as { name?: string }).name === 'fastifyFormbody';
}
