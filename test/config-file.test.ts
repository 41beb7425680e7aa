// The config file end to end: every layer of the precedence in one start, environment
// sections, reload re-reading the file, and a bad file as one line.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { get } from './helpers/http';
import { CLI, ROOT, run, runToEnd, tempHome, whenListening } from './helpers/processes';

let count = 0;
/** A folder under the repository (so that require('gopool') resolves) with an app and a config file. */
function project(config: string, code = '{}'): { dir: string; app: string; writeConfig(text: string): void } {
  const dir = join(ROOT, 'test', '.tmp', `config-${process.pid}-${count++}`);
  mkdirSync(dir, { recursive: true });
  const app = join(dir, 'app.js');
  writeFileSync(
    app,
    `const gopool = require('../../fixtures/routes.js');\ngopool.get('/config-env', () => ({ value: process.env.GOPOOL_TEST_CONFIG_ENV ?? null }));\ngopool.startWithThreadsPool(${code});\nmodule.exports = gopool;\n`,
  );
  const writeConfig = (text: string) => writeFileSync(join(dir, 'gopool.config.js'), text);
  writeConfig(config);
  return { dir, app, writeConfig };
}

async function status(home: string, name: string): Promise<any> {
  const result = await runToEnd(process.execPath, [CLI, 'status', name, '--json'], { env: { GOPOOL_HOME: home } });
  assert.equal(result.code, 0, result.output);
  return JSON.parse(result.output)[0];
}

describe('config file', () => {
  test('precedence: flag > environment > config file > code > default, each seen in one start', async () => {
    const { app } = project(
      `module.exports = { name: 'layers', port: 0, infoUrl: '/config', maxThreads: 4, minThreads: 2, env: { GOPOOL_TEST_CONFIG_ENV: 'from-config' } };`,
      `{ infoUrl: '/code', maxThreads: 5, minThreads: 1, monitorToken: 'code-token' }`,
    );
    const home = tempHome();
    const running = await whenListening(
      run(process.execPath, [CLI, 'start', app, '--info-url', '/flag'], { env: { GOPOOL_HOME: home, GOPOOL_MAX_THREADS: '3' } }),
    );
    try {
      assert.equal((await get(`${running.url}/flag?token=code-token`)).status, 200, 'the flag chose the prefix; the token came from the code');
      assert.equal((await get(`${running.url}/flag`)).status, 401);
      assert.equal((await get(`${running.url}/config`)).status, 404);
      const s = await status(home, 'layers');
      assert.equal(s.name, 'layers', 'the name from the config file');
      assert.equal(s.master.pool.maxThreads, 3, 'the environment beats the config file');
      assert.equal(s.master.pool.minThreads, 2, 'the config file beats the code');
      assert.deepEqual((await get(`${running.url}/config-env`)).json(), { value: 'from-config' }, "the config file's env reaches the app");
    } finally {
      await running.stop();
    }
  });

  test('--env picks a section; without an app argument, the config file in the current folder names it', async () => {
    const { dir } = project(`module.exports = {
      app: './app.js', name: 'sections', port: 0,
      env: { GOPOOL_TEST_CONFIG_ENV: 'top' },
      env_production: { minThreads: 2, env: { GOPOOL_TEST_CONFIG_ENV: 'production' } },
    };`);
    const home = tempHome();
    const running = await whenListening(run(process.execPath, [CLI, 'start', '--env', 'production'], { env: { GOPOOL_HOME: home }, cwd: dir }));
    try {
      assert.deepEqual((await get(`${running.url}/config-env`)).json(), { value: 'production' });
      assert.equal((await status(home, 'sections')).master.pool.minThreads, 2);
    } finally {
      await running.stop();
    }
  });

  test('reload re-reads the file: options and env change, and what needs a restart is named', async () => {
    const config = (minThreads: number, value: string, port: number) =>
      `module.exports = { name: 'rereader', port: ${port}, minThreads: ${minThreads}, env: { GOPOOL_TEST_CONFIG_ENV: '${value}' } };`;
    const { app, writeConfig } = project(config(1, 'before', 0));
    const home = tempHome();
    const running = await whenListening(run(process.execPath, [CLI, 'start', app], { env: { GOPOOL_HOME: home } }));
    try {
      assert.deepEqual((await get(`${running.url}/config-env`)).json(), { value: 'before' });
      const port = Number(new URL(running.url).port);
      writeConfig(config(2, 'after', port + 1));
      const reload = await runToEnd(process.execPath, [CLI, 'reload', 'rereader'], { env: { GOPOOL_HOME: home } });
      assert.equal(reload.code, 0, reload.output);
      assert.match(reload.output, /only a stop and start applies them: port \(0 → \d+\)/);
      assert.deepEqual((await get(`${running.url}/config-env`)).json(), { value: 'after' }, 'same address, new env');
      assert.equal((await status(home, 'rereader')).master.pool.minThreads, 2, 'new options');

      writeConfig('module.exports = { minThreads: "two" };');
      const bad = await runToEnd(process.execPath, [CLI, 'reload', 'rereader'], { env: { GOPOOL_HOME: home } });
      assert.equal(bad.code, 1);
      assert.match(bad.output, /^gopool: reload failed: config file .*gopool\.config\.js: minThreads must be an integer, got "two"$/m);
      assert.deepEqual((await get(`${running.url}/config-env`)).json(), { value: 'after' }, 'the running master keeps serving');
    } finally {
      await running.stop();
    }
  });
});
