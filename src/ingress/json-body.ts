import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonParserOptions } from '../api/json-parser';
import { ERR_JSON_TOO_DEEP } from '../errors';

type Done = (err: Error | null, value?: unknown) => void;

/**
 * fastify's JSON body parser (prototype-poisoning checks included) with a nesting limit. A
 * body nested deeper than any real document is refused with 400 before it is parsed: such a
 * value cannot be copied to another thread (the structured clone recurses) and only ever
 * comes from someone probing the server. With `emptyBody`, an empty body parses to a copy of
 * it instead of fastify's 400.
 */
export function jsonBodyParser(app: FastifyInstance, depthLimit: number, own: JsonParserOptions = {}) {
  const parse = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  const hasEmptyBody = 'emptyBody' in own;
  const emptyBody = own.emptyBody;
  return function parseJson(request: FastifyRequest, body: string, done: Done): void {
    if (body.length === 0 && hasEmptyBody) {
      done(null, structuredClone(emptyBody));
      return;
    }
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

/**
 * The same count over the UTF-8 bytes of a JSON text (a parser that takes a Buffer): read as
 * latin1, every byte is one character, the ASCII ones the scan looks at keep their codes, and no
 * byte of a multi-byte character is ASCII.
 */
export function nestingDepthOfBytes(bytes: Uint8Array, limit: number): number {
  return nestingDepth(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), limit);
}

/**
 * How deep the objects and arrays of a parsed value nest (its top level is 1), counting up to
 * `limit + 1` only; without recursion, so that a value too deep to clone cannot overflow the
 * stack here either. An object met twice is counted once (a parser's value may share them).
 */
export function valueDepth(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  const seen = new Set<object>();
  let deepest = 0;
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return deepest;
    }
    for (const child of childrenOf(node)) {
      if (typeof child === 'object' && child !== null) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return deepest;
}

function childrenOf(node: object): Iterable<unknown> {
  if (Array.isArray(node)) return node;
  if (ArrayBuffer.isView(node) || node instanceof ArrayBuffer) return [];
  if (node instanceof Map) return [...node.keys(), ...node.values()];
  if (node instanceof Set) return node;
  return Object.values(node);
}
