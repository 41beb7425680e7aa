// No import cycles in src/, type-only imports and lazy require()s included: dependency-cruiser
// with the repository's rules (.dependency-cruiser.cjs). The layering it keeps is described in
// docs/architecture.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const CRUISER = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(target: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CRUISER, target, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('the rules catch a cycle, a type-only one and one through a lazy require()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gopool-cycles-'));
  writeFileSync(join(dir, 'a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
  writeFileSync(join(dir, 'b.ts'), "import type { A } from './a';\nexport interface B { a: A }\n");
  writeFileSync(join(dir, 'c.ts'), "export function c(): unknown { return (require('./d') as typeof import('./d')).d; }\n");
  writeFileSync(join(dir, 'd.ts'), "import { c } from './c';\nexport const d = c;\n");
  const { status, output } = cruise(dir);
  assert.notEqual(status, 0, output);
  assert.match(output, /no-circular: .*a\.ts/, output);
  assert.match(output, /no-circular: .*c\.ts/, output);
});

test('src/ has no import cycle', () => {
  const { status, output } = cruise('src');
  assert.equal(status, 0, output);
  assert.match(output, /no dependency violations found \(\d+ modules/);
});
