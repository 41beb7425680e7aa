#!/usr/bin/env node
// Writes docs/errors.md from the error codes (src/errors.ts: ERROR_CODES, each with when it
// happens and what to do), so that the page and the code share one source. A test
// (test/internals/errors.test.ts) fails when the page is not what this prints.
//
//   node scripts/errors-doc.mjs           print the page
//   node scripts/errors-doc.mjs --write   write docs/errors.md (after npm run build)
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..');
const { errorCatalog } = require(join(root, 'dist', 'errors.js'));

/** A markdown table cell: one line, no pipe that would end it. */
const cell = (text) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
/** The message as the user sees it, with `…` where the details go. */
const shown = (message) => `\`${message.replace(/%[sdij]/g, '…')}\``;

export function errorsPage() {
  const entries = errorCatalog();
  const startUp = entries.filter((e) => e.family === 'start-up');
  const requests = entries.filter((e) => e.family === 'request');
  const row = (e) => `| \`${e.code}\` | ${e.family === 'request' ? e.status : '—'} | ${cell(shown(e.message))} | ${cell(e.when)} | ${cell(e.fix)} |`;
  const header = ['| code | HTTP status | message | when it happens | what to do |', '|---|---|---|---|---|'];
  return [
    '# Errors',
    '',
    '<!-- Generated from src/errors.ts by `npm run build && node scripts/errors-doc.mjs --write`; test/internals/errors.test.ts checks it. -->',
    '',
    'Every error gopool raises has a code, `GOPOOL_ERR_*`, in `err.code` (errors are made with',
    "[@fastify/error](https://github.com/fastify/fastify-error), as fastify's own `FST_ERR_*` are).",
    'Test for the code, not the message: messages may be reworded, codes stay.',
    '',
    '## Start-up and usage errors',
    '',
    'A mistake in the app, its options or a command. The CLI and the start functions print the',
    'message as one line, `gopool: <message>`, without a stack trace, and exit with code 1; thrown',
    'where the app file calls gopool (a route registered twice, ...), it is an exception there.',
    'These errors are instances of `GopoolError`.',
    '',
    ...header,
    ...startUp.map(row),
    '',
    '## Request errors',
    '',
    "What a client is answered when its request cannot be served: the status, and with gopool's",
    'default error handler the body `{ statusCode, code, error, message }` (with `NODE_ENV=production`',
    "a 5xx message is replaced by the status text). An app's own `gopool.setErrorHandler` receives",
    'the error object, `code` and `statusCode` included. Where a retry helps, the answer carries',
    '`Retry-After`.',
    '',
    ...header,
    ...requests.map(row),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--write') writeFileSync(join(root, 'docs', 'errors.md'), errorsPage());
  else process.stdout.write(errorsPage());
}
