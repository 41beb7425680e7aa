#!/usr/bin/env node
// Prints the options table of the README from the option specs (src/config/options.ts), so
// the README, --help and the code share one source. A test checks the README contains it.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { OPTION_SPECS } = require(join(import.meta.dirname, '..', 'dist', 'config', 'options.js'));

export function optionsTable() {
  const rows = OPTION_SPECS.map((s) => `| \`${s.key}\` | \`--${s.flag}\` | \`${s.env}\` | ${s.shownDefault} | ${s.describe} |`);
  return ['| option (code) | flag | environment | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(optionsTable());
