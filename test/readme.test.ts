// The README's options table is the one the option specs generate: docs and code agree.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/processes';

test('README options table matches the option specs', async () => {
  const { optionsTable } = (await import(join(ROOT, 'scripts', 'options-table.mjs'))) as { optionsTable: () => string };
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('<!-- options-table:start -->\n')[1]?.split('\n<!-- options-table:end -->')[0];
  assert.equal(section, optionsTable(), 'regenerate with: node scripts/options-table.mjs --write');
});
