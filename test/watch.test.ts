// Watch mode end to end: a save reloads through the zero-downtime reload; a broken save keeps
// the previous code serving and says why; the next good save is served again.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { get, until } from './helpers/http';
import { CLI, logRecords, ROOT, run, tempHome, whenListening } from './helpers/processes';

const version = (v: string) =>
  `const { gopool } = require('gopool');\ngopool.get('/version', () => ({ version: '${v}', pid: process.pid }));\nmodule.exports = gopool;\n`;

async function versionOf(url: string): Promise<string> {
  return (await get(`${url}/version`)).json().version;
}

/**
 * Waits until a new master (another pid) serves version `v`, and returns its pid. Not the
 * version alone: a thread the current master starts after a save loads the file as it then is,
 * so `v` can be served before the reload it triggers, and a next save within the debounce
 * would then be reloaded together with it.
 */
async function reloadedTo(url: string, v: string, before: number): Promise<number> {
  return until(async () => {
    const { version, pid } = (await get(`${url}/version`)).json();
    return version === v && pid !== before && pid;
  });
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
        const first = (await get(`${app.url}/version`)).json();
        assert.equal(first.version, 'one');
        writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), '// not watched\n');

        writeFileSync(file, version('two'));
        const second = await reloadedTo(app.url, 'two', first.pid);

        writeFileSync(file, 'this is not javascript');
        const why = await app.waitForLine((line) => line.includes('watch: reload failed'));
        assert.match(why, /SyntaxError/, 'the reason is printed');
        assert.equal(await versionOf(app.url), 'two', 'the previous code keeps serving');

        writeFileSync(file, version('three'));
        await reloadedTo(app.url, 'three', second);

        // A save that lands during a reload is logged once that reload is over: wait for it.
        const reloadsLogged = () => logRecords(app.lines).filter((r) => String(r.msg).startsWith('watch: ') && Array.isArray(r.files));
        const reloads = await until(async () => {
          const found = reloadsLogged();
          return found.length >= 3 && found;
        }).catch((err: Error) => {
          throw new Error(`${err.message}; output:\n${app.lines.join('\n')}`);
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
