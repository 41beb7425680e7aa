// No import cycles in src/ and no import that goes up the folders' layers, type-only imports and
// lazy require()s included: dependency-cruiser with the repository's rules
// (.dependency-cruiser.cjs). The layering it keeps is described in docs/architecture.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/processes';

const ROOT = join(__dirname, '..', '..');
const CRUISER = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(target: string, cwd = ROOT): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CRUISER, target, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('the rules catch a cycle, a type-only one and one through a lazy require()', () => {
  const dir = tempDir('gopool-cycles-');
  writeFileSync(join(dir, 'a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
  writeFileSync(join(dir, 'b.ts'), "import type { A } from './a';\nexport interface B { a: A }\n");
  writeFileSync(join(dir, 'c.ts'), "export function c(): unknown { return (require('./d') as typeof import('./d')).d; }\n");
  writeFileSync(join(dir, 'd.ts'), "import { c } from './c';\nexport const d = c;\n");
  const { status, output } = cruise(dir);
  assert.notEqual(status, 0, output);
  assert.match(output, /no-circular: .*a\.ts/, output);
  assert.match(output, /no-circular: .*c\.ts/, output);
});

test('the rules catch an import up the layers, type-only included, and keep the named exception to it', () => {
  // A src/ tree of its own: the rules name folders relative to where dependency-cruiser runs.
  const dir = tempDir('gopool-layers-');
  const files: Record<string, string> = {
    'src/errors.ts': 'export const e = 1;\n',
    'src/config/options.ts': "import type { Handle } from '../supervision/socket';\nexport type O = Handle;\n",
    'src/supervision/socket.ts': "import { e } from '../errors';\nexport type Handle = typeof e;\n",
    'src/dispatch/placement.ts': "import { costs } from './pool/costs';\nexport const p = costs;\n",
    'src/dispatch/pool/costs.ts': 'export const costs = 1;\n',
    'src/api/gopool.ts': "import { start } from '../boot/start-call';\nexport const g = start;\n",
    'src/boot/start-call.ts': 'export const start = 1;\n',
    'src/runtime/uses-entry.ts': "import { m } from '../master/main';\nexport const u = m;\n",
    'src/master/main.ts': "import { start } from '../boot/start-call';\nexport const m = start;\n",
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const { status, output } = cruise('src', dir);
  assert.notEqual(status, 0, output);
  assert.match(output, /layer-config: src\/config\/options\.ts → src\/supervision\/socket\.ts/, output);
  assert.match(output, /layer-dispatch: src\/dispatch\/placement\.ts → src\/dispatch\/pool\/costs\.ts/, output);
  assert.match(output, /layer-runtime: src\/runtime\/uses-entry\.ts → src\/master\/main\.ts/, output);
  assert.match(output, /no-entry-import: src\/runtime\/uses-entry\.ts → src\/master\/main\.ts/, output);
  // The exception (api/gopool.ts → boot/start-call.ts), and an entry importing from above its folder.
  assert.doesNotMatch(output, /src\/api\/gopool\.ts →/, output);
  assert.doesNotMatch(output, /src\/master\/main\.ts →/, output);
  assert.match(output, /4 dependency violations/, output);
});

test('src/ has no import cycle and no import up the layers', () => {
  const { status, output } = cruise('src');
  assert.equal(status, 0, output);
  assert.match(output, /no dependency violations found \(\d+ modules/);
});
