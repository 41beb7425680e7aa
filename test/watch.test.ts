// Watch mode end to end: a save reloads through the zero-downtime reload; a broken save keeps
// the previous code serving and says why; the next good save is served again.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { CLI, ROOT, logRecords, run, tempHome, whenListening } from './helpers/processes';

const version = (v: string) =>
  `const { gopool } = require('gopool');\ngopool.get('/version', () => ({ version: '${v}', pid: process.pid }));\nmodule.exports = gopool;\n`;

async function versionOf(url: string): Promise<string> {
  return (await get(`${url}/version`)).json().version;
}

describe('watch mode', () => {
  for (const [label, args] of [
    ['gopool start --watch', ['start', '--watch']],
    ['gopool dev', ['dev']],
  ] as const) {
    test(`${label}: edit, break, fix`, async () => {
      // Under the repository so that require('gopool') resolves.
      const dir = join(ROOT, 'test', '.tmp', `watch-${process.pid}-${args[0]}`);
      mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
      const file = join(dir, 'app.js');
      writeFileSync(file, version('one'));
      const app = await whenListening(
        run(process.execPath, [CLI, ...args, file, '--port', '0', '--name', `watch-${args[0]}`], { env: { GOPOOL_HOME: tempHome() } }),
      );
      try {
        await app.waitForLine((line) => line.includes('watching '));
        assert.equal(await versionOf(app.url), 'one');
        writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), '// not watched\n');

        writeFileSync(file, version('two'));
        await until(async () => (await versionOf(app.url)) === 'two');

        writeFileSync(file, 'this is not javascript');
        const why = await app.waitForLine((line) => line.includes('watch: reload failed'));
        assert.match(why, /SyntaxError/, 'the reason is printed');
        assert.equal(await versionOf(app.url), 'two', 'the previous code keeps serving');

        writeFileSync(file, version('three'));
        await until(async () => (await versionOf(app.url)) === 'three');

        // A save that lands during a reload is logged once that reload is over: wait for it.
        const reloadsLogged = () => logRecords(app.lines).filter((r) => String(r.msg).startsWith('watch: ') && Array.isArray(r.files));
        const reloads = await until(async () => {
          const found = reloadsLogged();
          return found.length >= 3 && found;
        });
        assert.ok(reloads.length >= 3, 'one reload per save (debounced)');
        assert.ok(
          reloads.every((r) => !(r.files as string[]).some((f) => f.includes('node_modules'))),
          'node_modules is not watched',
        );
      } finally {
        await app.stop();
      }
    });
  }
});
