import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { RotatingLogFile } from '../../../src/supervision/log-file';
import { pipeMasterOutput, stampLine } from '../../../src/supervision/master-output';
import { until } from '../../helpers/http';
import { tempDir } from '../../helpers/processes';

const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`;

test('rotates by size, keeps N old files, loses and splits no line', async () => {
  const dir = tempDir('gopool-log-');
  const file = new RotatingLogFile(join(dir, 'app.log'), 1024, 2);
  for (let i = 0; i < 100; i++) file.writeLine(line(i));
  await file.close();
  assert.deepEqual(readdirSync(dir).sort(), ['app.log', 'app.log.1', 'app.log.2']);
  const kept = ['app.log.2', 'app.log.1', 'app.log'].flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
  const numbers = kept.map((l) => (JSON.parse(l) as { i: number }).i);
  assert.deepEqual(
    numbers,
    numbers.slice().sort((a, b) => a - b),
    'in order',
  );
  assert.equal(numbers.at(-1), 99, 'the last line is there');
  for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], numbers[i - 1]! + 1, 'no line lost between the kept files');
});

test('logFiles 0 keeps no old file', async () => {
  const dir = tempDir('gopool-log-');
  const file = new RotatingLogFile(join(dir, 'app.log'), 1024, 0);
  for (let i = 0; i < 50; i++) file.writeLine(line(i));
  await file.close();
  // The rotated file is unlinked once its rotation is announced.
  await until(async () => readdirSync(dir).length === 1, 5000);
  assert.deepEqual(readdirSync(dir), ['app.log']);
});

test("other lines get a timestamp and their tag; gopool's own (JSON, the one-line start failure) pass as they are", () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  assert.equal(stampLine('hello', '[stderr] ', at), '2026-01-02T03:04:05.678Z [stderr] hello\n');
  assert.equal(stampLine('{"msg":"x"}', '', at), '{"msg":"x"}\n');
  assert.equal(stampLine('gopool: port 80 is taken', '[stderr] ', at), 'gopool: port 80 is taken\n', "gopool's one-line start failure");
});

test("a master's output is copied line by line: lines split across chunks are whole, a last line without newline is kept", async () => {
  const dir = tempDir('gopool-log-');
  const file = new RotatingLogFile(join(dir, 'app.log'), 1 << 20, 1);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  pipeMasterOutput(stdout, stderr, file);
  stdout.write('{"msg":"one"}\nhal');
  stdout.write('f a line\n');
  stderr.write('oops');
  stdout.end('last without newline');
  stderr.end();
  await Promise.all([once(stdout, 'end'), once(stderr, 'end')]);
  await new Promise((resolve) => setImmediate(resolve));
  await file.close();
  const lines = readFileSync(join(dir, 'app.log'), 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 4);
  assert.equal(lines[0], '{"msg":"one"}');
  assert.match(lines.find((l) => l.endsWith('half a line'))!, /^\d{4}-\d\d-\d\dT\S+Z half a line$/);
  assert.match(lines.find((l) => l.includes('oops'))!, /Z \[stderr\] oops$/);
  assert.ok(lines.some((l) => l.endsWith(' last without newline')));
});
