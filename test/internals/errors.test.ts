// src/errors.ts: every error gopool raises has one unique GOPOOL_ERR_ code, says when it happens
// and what to do, and docs/errors.md is what scripts/errors-doc.mjs makes of them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as errors from '../../src/errors';

const ROOT = join(__dirname, '..', '..');
type Coded = Error & { code: string; statusCode: number };
const codeOf = (Ctor: unknown): string => new (Ctor as new () => Coded)().code;

test('docs/errors.md is generated from ERROR_CODES', async () => {
  const { errorsPage } = (await import(join(ROOT, 'scripts', 'errors-doc.mjs'))) as { errorsPage: () => string };
  assert.equal(readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8'), errorsPage(), 'regenerate with: npm run build && node scripts/errors-doc.mjs --write');
});

test('every code is unique and starts with GOPOOL_ERR_', () => {
  const codes = errors.ERROR_CODES.map(codeOf);
  for (const code of codes) assert.match(code, /^GOPOOL_ERR_[A-Z0-9_]+$/);
  assert.deepEqual(
    codes.filter((code, i) => codes.indexOf(code) !== i),
    [],
    'codes used twice',
  );
});

test('every exported error constructor is in ERROR_CODES', () => {
  const listed = new Set<unknown>(errors.ERROR_CODES);
  const constructors = Object.entries(errors).filter(
    ([, value]) => typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error,
  );
  // GopoolError is the base class of the start-up errors, not an error of its own.
  const missing = constructors.filter(([name, value]) => name !== 'GopoolError' && !listed.has(value)).map(([name]) => name);
  assert.deepEqual(missing, [], 'add these to ERROR_CODES');
  assert.ok(constructors.length > errors.ERROR_CODES.length, 'the check saw the constructors');
});

test('every code says when it happens and what to do', () => {
  const undocumented = errors
    .errorCatalog()
    .filter((entry) => entry.when.trim() === '' || entry.fix.trim() === '' || entry.message === '')
    .map((entry) => entry.code);
  assert.deepEqual(undocumented, [], 'give these a { when, fix } in src/errors.ts');
});

test('start-up errors are GopoolErrors; request errors carry a 4xx or 5xx status', () => {
  for (const entry of errors.errorCatalog()) {
    if (entry.family === 'request') assert.ok(entry.status >= 400 && entry.status <= 599, `${entry.code}: ${entry.status}`);
  }
  const usage = new errors.ERR_APP_NOT_FOUND('/srv/app.js');
  assert.ok(usage instanceof errors.GopoolError);
  assert.equal(usage.message, 'app file not found: /srv/app.js');
  const timeout = new errors.ERR_TIMEOUT(250);
  assert.ok(!(timeout instanceof errors.GopoolError));
  assert.equal(timeout.statusCode, 504);
  assert.ok(
    Object.keys(errors.RETRY_AFTER).every((code) => errors.ERROR_CODES.some((Ctor) => codeOf(Ctor) === code)),
    'Retry-After only for known codes',
  );
});

test('an error sent as code and message is rebuilt as the same kind of error', () => {
  const sent = new errors.ERR_QUEUE_FULL();
  const rebuilt = errors.rebuildError(sent.code, sent.message);
  assert.ok(rebuilt instanceof errors.ERR_QUEUE_FULL);
  assert.equal(rebuilt.statusCode, 503);
  assert.equal(rebuilt.message, sent.message);
  const listen = errors.rebuildError('GOPOOL_ERR_ADDRESS_IN_USE', 'cannot listen on 127.0.0.1:80: address already in use (another server on that port?)');
  assert.ok(listen instanceof errors.GopoolError, 'a start-up error stays one: printed as one line');
  const unknown = errors.rebuildError('SOME_OTHER', 'from elsewhere');
  assert.equal(unknown.code, 'SOME_OTHER');
  assert.equal(unknown.message, 'from elsewhere');
});

test('a start-up failure is one line for a gopool error, the stack for anything else', () => {
  const cause = new SyntaxError('Unexpected token');
  const usage = new errors.ERR_APP_LOAD('/srv/app.js', 'SyntaxError: Unexpected token (/srv/app.js:3)', { cause });
  assert.equal(errors.startFailureMessage(usage), 'app file /srv/app.js failed to load: SyntaxError: Unexpected token (/srv/app.js:3)');
  assert.equal(usage.cause, cause, 'the cause is kept');
  const bug = new TypeError('x is not a function');
  assert.equal(errors.startFailureMessage(bug), bug.stack);
  assert.equal(errors.startFailureMessage('plain'), 'plain');
});
