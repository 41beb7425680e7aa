// Every unit test of test/internals/ in one process: a whole `npm test` (scripts/test.mjs) runs
// this file instead of each *.test.ts in a process of its own, where starting node, tsx and the
// test runner once per file costs more CPU than the tests themselves, on every major. The files
// share nothing but the process (each one also passes run alone: node --test <file>).
import { readdirSync } from 'node:fs';

const files = readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .sort();
for (const file of files) require(`./${file}`);
