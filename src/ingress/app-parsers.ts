import type { FastifyInstance } from 'fastify';
import { jsonParserOptions } from '../api/json-parser';
import { ERR_JSON_TOO_DEEP } from '../errors';
import { jsonBodyParser, nestingDepth, nestingDepthOfBytes, valueDepth } from './json-body';

type Done = (err: Error | null, value?: unknown) => void;
type AnyParser = (this: unknown, request: unknown, body: unknown, done: Done) => unknown;
interface ParserOptions {
  parseAs?: 'string' | 'buffer';
  bodyLimit?: number;
}

/**
 * The arguments of an app's `gopool.addContentTypeParser(...)` as they are applied on a thread
 * that accepts connections. gopool's own parser (`gopool.jsonParser(...)`) is made there; any
 * other parser keeps the `jsonDepthLimit`: a JSON text is scanned before the app's parser sees
 * it, as gopool's own parser does, and what another parser returns is measured. A value nested
 * deeper than the limit gets the same 400 (GOPOOL_ERR_JSON_TOO_DEEP) whatever parsed it: it
 * could not be copied to a pool thread (the structured clone recurses).
 */
export function appParserArgs(scope: FastifyInstance, args: readonly unknown[], depthLimit: number): unknown[] {
  const [contentType, ...rest] = args;
  const parser = rest[rest.length - 1];
  const options = (rest.length > 1 ? rest[0] : undefined) as ParserOptions | undefined;
  if (typeof parser !== 'function') return [...args]; // fastify says what is wrong
  const own = jsonParserOptions(parser);
  if (own) return [contentType, { ...options, parseAs: 'string' }, jsonBodyParser(scope, depthLimit, own)];
  if (depthLimit <= 0) return [...args];
  const text = options?.parseAs === 'string' || options?.parseAs === 'buffer' ? namesJson(contentType) : false;
  return [contentType, ...(options === undefined ? [] : [options]), depthChecked(parser as AnyParser, depthLimit, text)];
}

function depthChecked(parser: AnyParser, limit: number, text: boolean): AnyParser {
  return function checkedParser(this: unknown, request, body, done) {
    if (text) {
      const deepest =
        typeof body === 'string'
          ? body.length > limit && nestingDepth(body, limit)
          : body instanceof Uint8Array && body.length > limit && nestingDepthOfBytes(body, limit);
      if (deepest !== false && deepest > limit) {
        done(new ERR_JSON_TOO_DEEP(limit));
        return undefined;
      }
      return parser.call(this, request, body, done);
    }
    // fastify takes the value from `done`, or from the promise an async parser returns.
    const checkedDone: Done = (err, value) => {
      if (err == null && valueDepth(value, limit) > limit) done(new ERR_JSON_TOO_DEEP(limit));
      else done(err, value);
    };
    const result = parser.call(this, request, body, checkedDone);
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      return (result as PromiseLike<unknown>).then((value) => {
        if (valueDepth(value, limit) > limit) throw new ERR_JSON_TOO_DEEP(limit);
        return value;
      });
    }
    return result;
  };
}

/** Whether a parser's content type is a JSON one (`application/json`, `application/vnd.api+json`, ...). */
function namesJson(contentType: unknown): boolean {
  const types = Array.isArray(contentType) ? contentType : [contentType];
  return types.length > 0 && types.every((type) => (typeof type === 'string' || type instanceof RegExp) && /json/i.test(String(type)));
}
