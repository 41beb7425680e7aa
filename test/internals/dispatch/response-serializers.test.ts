import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteDefinition } from '../../../src/api/route-registry';
import { ResponseSerializers } from '../../../src/dispatch/response-serializers';

const route = (key: string, schema?: unknown): RouteDefinition =>
  ({ key, methods: ['GET'], path: key.split(' ')[1]!, options: schema ? { schema } : {}, handler: () => null }) as RouteDefinition;
const USER = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } };

test('a route without a response schema has no serializer', () => {
  assert.equal(new ResponseSerializers([]).for(route('GET /plain')), undefined);
  assert.equal(new ResponseSerializers([]).for(route('GET /input', { querystring: { type: 'object' } })), undefined);
});

test("fastify's order: the exact status, then its class, then default", () => {
  const serializers = new ResponseSerializers([]);
  const selector = serializers.for(
    route('GET /user', {
      response: {
        200: USER,
        '4xx': { type: 'object', properties: { error: { type: 'string' } } },
        default: { type: 'object', properties: { other: { type: 'boolean' } } },
      },
    }),
  )!;
  const value = { id: 1, name: 'ada', password: 'secret', error: 'e', other: true };
  assert.equal(selector(200)!(value), '{"id":1,"name":"ada"}', 'properties the schema does not list are dropped');
  assert.equal(selector(404)!(value), '{"error":"e"}');
  assert.equal(selector(500)!(value), '{"other":true}');
  assert.equal(selector(200), selector(200), 'compiled once per status');
});

test('no schema for the status: none (JSON.stringify then writes it)', () => {
  const selector = new ResponseSerializers([]).for(route('GET /only-201', { response: { 201: USER } }))!;
  assert.equal(selector(200), undefined);
});

test("OpenAPI's content form, and $refs to the shared schemas of gopool.addSchema", () => {
  const shared = [{ $id: 'user', ...USER }];
  const serializers = new ResponseSerializers(shared);
  const viaContent = serializers.for(route('GET /content', { response: { 200: { content: { 'application/json': { schema: USER } } } } }))!;
  assert.equal(viaContent(200)!({ id: 2, name: 'bo', x: 1 }), '{"id":2,"name":"bo"}');
  const viaRef = serializers.for(route('GET /ref', { response: { 200: { $ref: 'user#' } } }))!;
  assert.equal(viaRef(200)!({ id: 3, name: 'cy', x: 1 }), '{"id":3,"name":"cy"}');
});
