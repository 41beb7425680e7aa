import type { FastifyInstance } from 'fastify';

/** What fastify's own modules keep under its symbols (no public accessor): `fastify/lib/symbols.js`. */
interface FastifySymbols {
  kRequest: symbol;
  kReply: symbol;
  kRouteContext: symbol;
  kHasBeenDecorated: symbol;
}

export interface InstanceClasses {
  /** The prototype of the requests of the instance's routes and of its children's. */
  request: object;
  /** The prototype of their replies. */
  reply: object;
  /** Where a request keeps its route's context (its `logLevel`, `logSerializers`). */
  kRouteContext: symbol;
}

type Class = { prototype?: unknown } & Record<symbol, unknown>;

/**
 * The Request and Reply classes of a fastify instance, for what gopool adds to every request or
 * reply without a decoration: a decoration is a field each constructor sets, by a store whose
 * key varies (fastify's loop over its decorations: megamorphic), paid by every request. An
 * accessor or a method on the prototype costs nothing until used.
 *
 * fastify builds a route's requests and replies with the nearest of its instance's classes
 * that was decorated, and with fastify's shared base classes when none was: these are marked
 * decorated, so that the instance's own are used, and only they have what is added here.
 * Undefined, changing nothing, if this fastify does not keep its classes where this looks
 * (the caller then does without: a factory, a hook).
 */
export function instanceClasses(app: FastifyInstance): InstanceClasses | undefined {
  let symbols: FastifySymbols;
  try {
    symbols = require('fastify/lib/symbols.js') as FastifySymbols;
  } catch {
    return undefined;
  }
  const classes = app as unknown as Record<symbol, Class | undefined>;
  const requestClass = classes[symbols.kRequest];
  const replyClass = classes[symbols.kReply];
  const request = requestClass?.prototype;
  const reply = replyClass?.prototype;
  const { kRouteContext, kHasBeenDecorated } = symbols;
  if (
    typeof kHasBeenDecorated !== 'symbol' ||
    typeof kRouteContext !== 'symbol' ||
    typeof request !== 'object' ||
    request === null ||
    typeof reply !== 'object' ||
    reply === null
  )
    return undefined;
  requestClass![kHasBeenDecorated] = true;
  replyClass![kHasBeenDecorated] = true;
  return { request, reply, kRouteContext };
}
