// A suite-wide rule: tests assert order and outcome, never elapsed wall time. A limit such as
// `assert.ok(elapsed < 1000)` passes on an idle machine and fails on a busy one (a CI runner,
// two test files at once); time limits belong in the benchmarks (bench/), which report figures.
// This test scans every test file for an assertion that compares a duration with `<` / `<=`
// and fails naming the line. A lower bound (`>= 40` for a 50 ms handler) cannot flake and is
// allowed; so is comparing two timestamps for order (`a.start < b.end`).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
/** Names a duration goes by in our tests; an upper bound on one of them is a wall-time limit. */
const DURATION =
  /(Date\.now\(\)|performance\.now\(\)|\b\w*(elapsed|took|waited|lateness|recovery|duration|killedAt|(?<![a-z])started(?!\.)|late)\w*\b|\b\w*(Ms|Seconds)\b)/i;
const UPPER_BOUND = /(<=?)(?!=)/;

/** The assertion lines of a source text that put an upper bound on a duration. */
export function wallTimeAssertions(text: string): string[] {
  const found: string[] = [];
  for (const statement of assertionStatements(text)) {
    const compared = statement.replace(/`[^`]*`|'[^']*'|"[^"]*"/g, '""'); // messages aside
    const match = UPPER_BOUND.exec(compared);
    if (!match) continue;
    const left =
      compared
        .slice(0, match.index)
        .split(/\(|,|&&|\|\|/)
        .at(-1) ?? '';
    const right = compared.slice(match.index + match[0].length).split(/,|\)|&&|\|\|/)[0] ?? '';
    if (DURATION.test(left) || DURATION.test(right)) found.push(statement.trim());
  }
  return found;
}

function assertionStatements(text: string): string[] {
  const out: string[] = [];
  const re = /assert(\.\w+)?\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')' && --depth === 0) break;
    }
    out.push(text.slice(m.index, end + 1));
  }
  return out;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs|js)$/.test(entry.name) && !entry.parentPath.includes('fixtures'))
    .map((entry) => join(entry.parentPath, entry.name));
}

test('the rule catches the shapes it is meant to', () => {
  for (const bad of [
    'assert.ok(elapsed < 3000, `took ${elapsed} ms`);',
    "assert.ok(Date.now() - started < 1000, 'answered at once');",
    'assert.ok(recoveryMs < 1000, `back in ${recoveryMs} ms`);',
    'assert.ok(lateness[0]! < 500);',
    'assert.ok(f.start <= killedAt + 100);',
    'assert.ok(waited <= 500);',
  ])
    assert.equal(wallTimeAssertions(bad).length, 1, bad);
  for (const fine of [
    "assert.ok(route('GET /spin/:ms').latencyMs.p50 >= 40, 'the latency of a 50 ms handler');",
    'assert.ok(f.start < recovered.end, `no request fails once the new master serves`);',
    'assert.ok(heavyDone <= 3, `answered after ${heavyDone} heavy ones`);',
    "assert.equal(delays.length, 4, 'took < 5 tries');",
    'assert.ok(stats.threadsStarted <= cpuCount(), `${stats.threadsStarted} threads`);',
  ])
    assert.deepEqual(wallTimeAssertions(fine), [], fine);
});

test('no test asserts elapsed wall time', () => {
  const offenders: string[] = [];
  for (const file of testFiles(join(ROOT, 'test'))) {
    if (file === __filename) continue;
    for (const line of wallTimeAssertions(readFileSync(file, 'utf8'))) offenders.push(`${relative(ROOT, file)}: ${line}`);
  }
  assert.deepEqual(offenders, [], 'assert order and outcome instead (see the comment at the top of this file)');
});
