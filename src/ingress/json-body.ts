import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERR_JSON_TOO_DEEP } from '../errors';

/**
 * fastify's JSON body parser (prototype-poisoning checks included) with a nesting limit. A
 * body nested deeper than any real document is refused with 400 before it is parsed: such a
 * value cannot be copied to another thread (the structured clone recurses) and only ever
 * comes from someone probing the server.
 */
export function jsonBodyParser(app: FastifyInstance, depthLimit: number) {
  const parse = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  return function parseJson(request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
    if (depthLimit > 0 && body.length > depthLimit && nestingDepth(body, depthLimit) > depthLimit) {
      done(new ERR_JSON_TOO_DEEP(depthLimit));
      return;
    }
    parse(request, body, done as NonNullable<Parameters<typeof parse>[2]>);
  };
}

/**
 * How deep the arrays and objects of a JSON text nest, counting up to `limit + 1` only. A text
 * shorter than the limit cannot nest deeper, so the caller skips the scan for those.
 */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}
