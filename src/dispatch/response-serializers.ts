/**
 * Response schemas (`schema.response` of a route), compiled with fastify's own serializer
 * compiler (fast-json-stringify) on the thread that runs the handler, so the JSON is written
 * there and the accepting thread only copies bytes. Compiled on first use per route and
 * status, with the shared schemas of `gopool.addSchema` for `$ref`s.
 */
import type { RouteDefinition } from '../api/route-registry';
import type { SerializerFor } from './serialize-result';

type Serialize = (value: unknown) => string;

type Compile = (args: { schema: unknown; method: string; url: string; httpStatus: string }) => Serialize;

export class ResponseSerializers {
  private compiler: Compile | undefined;
  /** null: the route has no response schema. */
  private readonly byRoute = new Map<string, SerializerFor | null>();

  constructor(private readonly sharedSchemas: unknown[]) {}

  /** fast-json-stringify (and ajv under it) is loaded by the first thread that needs it, not by every thread. */
  private get compile(): Compile {
    if (this.compiler === undefined) {
      const external: Record<string, unknown> = {};
      for (const schema of this.sharedSchemas) {
        const id = (schema as { $id?: unknown } | null)?.$id;
        if (typeof id === 'string') external[id] = schema;
      }
      const { SerializerSelector } = require('@fastify/fast-json-stringify-compiler') as typeof import('@fastify/fast-json-stringify-compiler');
      this.compiler = SerializerSelector()(external, {}) as unknown as Compile;
    }
    return this.compiler;
  }

  /** The route's serializer selector, or undefined when it has no response schema. */
  for(route: RouteDefinition): SerializerFor | undefined {
    let selector = this.byRoute.get(route.key);
    if (selector === undefined) {
      const response = (route.options.schema as { response?: Record<string, unknown> } | undefined)?.response;
      selector = response ? this.selector(route, response) : null;
      this.byRoute.set(route.key, selector);
    }
    return selector ?? undefined;
  }

  private selector(route: RouteDefinition, response: Record<string, unknown>): SerializerFor {
    const compiled = new Map<string, Serialize | undefined>();
    return (status: number) => {
      const key = schemaKey(response, status);
      if (key === undefined) return undefined;
      if (!compiled.has(key)) {
        const schema = jsonSchemaOf(response[key]);
        compiled.set(key, schema === undefined ? undefined : this.compile({ schema, method: route.methods[0]!, url: route.path, httpStatus: key }));
      }
      return compiled.get(key);
    };
  }
}

/** fastify's order: the exact status, then its class (`2xx`), then `default`. */
function schemaKey(response: Record<string, unknown>, status: number): string | undefined {
  const exact = String(status);
  if (exact in response) return exact;
  const range = `${exact[0]}xx`;
  if (range in response) return range;
  if (range.toUpperCase() in response) return range.toUpperCase();
  return 'default' in response ? 'default' : undefined;
}

/** A status may map to a schema or to `{ content: { 'application/json': { schema } } }`. */
function jsonSchemaOf(entry: unknown): unknown {
  const content = (entry as { content?: Record<string, { schema?: unknown }> } | null)?.content;
  if (content && typeof content === 'object') return content['application/json']?.schema ?? content['*/*']?.schema;
  return entry;
}
