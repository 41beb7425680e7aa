import assert from 'node:assert/strict';
import { test } from 'node:test';
import formbody from '@fastify/formbody';
import { parsesForms } from '../../../src/ingress/form-body';

test("an app's own form parser or @fastify/formbody replaces gopool's", () => {
  assert.equal(parsesForms({ method: 'register', args: [formbody] }), true, 'the plugin as required');
  assert.equal(parsesForms({ method: 'register', args: [(formbody as unknown as { default: unknown }).default] }), true, 'its unwrapped default export');
  assert.equal(parsesForms({ method: 'addContentTypeParser', args: ['application/x-www-form-urlencoded', () => undefined] }), true);
  assert.equal(parsesForms({ method: 'addContentTypeParser', args: [['text/csv', 'Application/X-WWW-Form-Urlencoded ']] }), true);
  assert.equal(parsesForms({ method: 'addContentTypeParser', args: ['application/json', () => undefined] }), false);
  assert.equal(parsesForms({ method: 'register', args: [async function otherPlugin() {}] }), false);
  assert.equal(parsesForms({ method: 'addHook', args: ['onRequest', () => undefined] }), false);
});
