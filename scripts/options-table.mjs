#!/usr/bin/env node
// Prints the options table of the README from the option specs (src/config/options.ts), so
// the README, --help and the code share one source. A test checks the README contains it.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { OPTION_SPECS } = require(join(import.meta.dirname, '..', 'dist', 'config', 'options.js'));

export function optionsTable() {
  const rows = OPTION_SPECS.map((s) => `| \`${s.key}\` | \`--${s.flag}\` | \`${s.env}\` | ${s.shownDefault} | ${s.describe} |`);
  return ['| option (code) | flag | environment | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

// `--write`: replace the table in README.md between its markers.
if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] !== '--write') console.log(optionsTable());
  else {
    const readme = join(import.meta.dirname, '..', 'README.md');
    const text = readFileSync(readme, 'utf8');
    writeFileSync(
      readme,
      text.replace(/(<!-- options-table:start -->\n)[\s\S]*?(\n<!-- options-table:end -->)/, (_, start, end) => `${start}${optionsTable()}${end}`),
    );
  }
}
