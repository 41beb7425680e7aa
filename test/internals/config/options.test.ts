// The options table (src/config/options.ts) drives flags, environment variables, validation
// and the README: these checks keep its rows consistent with each other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPTION_KEYS, OPTION_SPECS } from '../../../src/config/options';
import { defaults, parseValue, valueProblem } from '../../../src/config/resolve-options';

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

test('every option has its own key, flag and environment variable, named after the key', () => {
  const unique = (values: string[]) => new Set(values).size === values.length;
  assert.ok(unique(OPTION_SPECS.map((s) => s.key)), 'keys');
  assert.ok(unique(OPTION_SPECS.map((s) => s.flag)), 'flags');
  assert.ok(unique(OPTION_SPECS.map((s) => s.env)), 'environment variables');
  for (const spec of OPTION_SPECS) {
    assert.equal(spec.flag, kebab(spec.key), spec.key);
    assert.equal(spec.env, `GOPOOL_${spec.flag.toUpperCase().replaceAll('-', '_')}`, spec.key);
    assert.ok(spec.describe.length > 10, `${spec.key} is described`);
  }
  assert.deepEqual(new Set(Object.keys(defaults())), OPTION_KEYS);
});

test('every default is a valid value of its option (an empty string means off)', () => {
  for (const spec of OPTION_SPECS) {
    const value = spec.defaultValue();
    if (spec.kind === 'string' && value === '') {
      assert.ok(
        ['off', 'none', 'app file name'].includes(spec.shownDefault),
        `${spec.key}: an empty default is shown as off or none, not "${spec.shownDefault}"`,
      );
      continue;
    }
    assert.equal(valueProblem(spec, value), undefined, spec.key);
    if (spec.kind === 'int') assert.ok(spec.min !== undefined && spec.max !== undefined && spec.min <= spec.max, `${spec.key}: a range`);
    if (spec.choices) assert.ok(spec.choices.includes(value as string), `${spec.key}: the default is one of the choices`);
  }
});

test('the default shown in --help and the README is the default', () => {
  for (const spec of OPTION_SPECS) {
    const value = spec.defaultValue();
    if (value === '' || spec.shownDefault.includes('CPU count')) continue; // a label, not a value
    assert.equal(spec.shownDefault, String(value), spec.key);
  }
});

test('every default survives the trip through a flag or an environment variable', () => {
  for (const spec of OPTION_SPECS) {
    const value = spec.defaultValue();
    if (value === '') continue;
    assert.equal(parseValue(spec, String(value), `--${spec.flag}`), value, spec.key);
  }
});
