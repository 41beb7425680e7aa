import type { FastifyRequest } from 'fastify';
import { ERR_SETUP_ARGUMENT } from '../errors';

export interface JsonParserOptions {
  /**
   * What a request that says `Content-Type: application/json` and sends no body parses to
   * (a copy for each request), e.g. `{}`. Without it such a request gets fastify's
   * `400 FST_ERR_CTP_EMPTY_JSON_BODY`.
   */
  emptyBody?: unknown;
}

/** A content-type parser, as `gopool.addContentTypeParser` takes one. */
export type JsonParser = (request: FastifyRequest, body: unknown, done: (err: Error | null, value?: unknown) => void) => void;

const OPTIONS = Symbol.for('gopool.jsonParser');

/**
 * gopool's own JSON body parser (fastify's, with its prototype-poisoning checks, and the
 * `jsonDepthLimit`), for an app to declare again with options of its own:
 * `gopool.addContentTypeParser('application/json', gopool.jsonParser({ emptyBody: {} }))`.
 * It is made on every thread that accepts connections, from that thread's fastify and options:
 * what this returns is only its description, which `gopool.addContentTypeParser` understands.
 */
export function jsonParser(options: JsonParserOptions = {}): JsonParser {
  if (typeof options !== 'object' || options === null) throw new ERR_SETUP_ARGUMENT('jsonParser', 'options must be an object');
  if ('emptyBody' in options) {
    try {
      structuredClone(options.emptyBody);
    } catch (err) {
      throw new ERR_SETUP_ARGUMENT('jsonParser', `emptyBody must be plain data: ${(err as Error).message}`);
    }
  }
  const parser: JsonParser = () => {
    throw new ERR_SETUP_ARGUMENT('jsonParser', 'what it returns is a parser for gopool.addContentTypeParser, not a function to call');
  };
  Object.defineProperty(parser, OPTIONS, { value: { ...options } });
  return parser;
}

/** The options of a parser made by `jsonParser`, or undefined for any other function. */
export function jsonParserOptions(fn: unknown): JsonParserOptions | undefined {
  return typeof fn === 'function' ? (fn as unknown as Record<symbol, JsonParserOptions | undefined>)[OPTIONS] : undefined;
}
