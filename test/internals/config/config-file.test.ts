import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
// dist/, not src/: loadConfigFile runs the built config/config-child.js in a process of its own.
import { checkConfig, findConfigFile, loadConfigFile } from '../../../dist/config/config-file';
import { tempDir } from '../../helpers/processes';

const dir = () => tempDir('gopool-config-');

describe('checkConfig', () => {
  const raw = {
    app: './server.js',
    name: 'api',
    port: 3000,
    maxThreads: 2,
    env: { DATABASE_URL: 'postgres://dev', DEBUG: true },
    env_production: { port: 80, env: { DATABASE_URL: 'postgres://prod' } },
  };

  test('top level only when no section is chosen', () => {
    const config = checkConfig('/srv/api/gopool.config.js', raw, undefined, undefined);
    assert.equal(config.app, '/srv/api/server.js', 'relative to the config file');
    assert.deepEqual(config.options, { name: 'api', port: 3000, maxThreads: 2 });
    assert.deepEqual(config.env, { DATABASE_URL: 'postgres://dev', DEBUG: 'true' });
    assert.equal(config.envName, undefined);
  });

  test('--env picks a section, laid over the top level', () => {
    const config = checkConfig('/srv/api/gopool.config.js', raw, 'production', 'development');
    assert.deepEqual(config.options, { name: 'api', port: 80, maxThreads: 2 });
    assert.deepEqual(config.env, { DATABASE_URL: 'postgres://prod', DEBUG: 'true' });
    assert.equal(config.envName, 'production');
  });

  test('NODE_ENV picks a section when --env is not given; a missing one is no error', () => {
    assert.equal(checkConfig('/c.js', raw, undefined, 'production').options.port, 80);
    assert.equal(checkConfig('/c.js', raw, undefined, 'staging').options.port, 3000);
  });

  test('--env naming a section the file does not have is an error', () => {
    assert.throws(() => checkConfig('/c.js', raw, 'staging'), { code: 'GOPOOL_ERR_CONFIG_NO_ENV' });
  });

  test("file paths (httpsKey, httpsCert) are relative to the config file's folder, as app is", () => {
    const config = checkConfig(
      '/srv/api/gopool.config.js',
      { httpsKey: 'tls/privkey.pem', httpsCert: '/etc/tls/fullchain.pem', env_production: { httpsKey: '../k.pem' } },
      'production',
    );
    assert.equal(config.options.httpsKey, '/srv/k.pem');
    assert.equal(config.options.httpsCert, '/etc/tls/fullchain.pem');
    assert.equal(checkConfig('/srv/api/gopool.config.js', { httpsKey: 'tls/privkey.pem' }, undefined).options.httpsKey, '/srv/api/tls/privkey.pem');
  });

  test('a bad field is one error naming the file and the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ port: 70000 }, /^config file \/c\.js: port must be at most 65535, got 70000$/],
      [{ maxThreads: '4' }, /^config file \/c\.js: maxThreads must be an integer, got "4"$/],
      [{ maxThread: 4 }, /^config file \/c\.js: maxThread is not a gopool option$/],
      [{ NODE_ENV: 'production' }, /NODE_ENV is not a gopool option \(environment variables for the app go under "env"\)/],
      [{ env_production: { port: 'eighty' } }, /^config file \/c\.js: env_production\.port must be an integer/],
      [{ env_production: 3 }, /env_production must be an object/],
      [{ env: { X: { nested: true } } }, /env\.X must be a string, a number or a boolean/],
      [{ app: 3 }, /app must be the app file's path/],
      [[], /the export must be an object/],
    ];
    for (const [bad, message] of cases)
      assert.throws(() => checkConfig('/c.js', bad, undefined), { code: 'GOPOOL_ERR_CONFIG_INVALID', message }, JSON.stringify(bad));
  });
});

describe('loadConfigFile', () => {
  test('every format: .js (CommonJS), .mjs, .cjs, .json', async () => {
    const files: Record<string, string> = {
      'gopool.config.js': 'module.exports = { port: 1001 };',
      'gopool.config.mjs': 'export default { port: 1002 };',
      'gopool.config.cjs': 'module.exports = { port: 1003 };',
      'gopool.config.json': '{ "port": 1004 }',
    };
    for (const [name, text] of Object.entries(files)) {
      const folder = dir();
      writeFileSync(join(folder, name), text);
      assert.equal(findConfigFile(folder), join(folder, name));
      assert.equal((await loadConfigFile(join(folder, name), undefined)).options.port, Number(text.match(/\d+/)![0]), name);
    }
  });

  test('named ESM exports count as the fields', async () => {
    const folder = dir();
    writeFileSync(join(folder, 'gopool.config.mjs'), 'export const port = 1005; export const env = { A: "1" };');
    const config = await loadConfigFile(join(folder, 'gopool.config.mjs'), undefined);
    assert.equal(config.options.port, 1005);
    assert.deepEqual(config.env, { A: '1' });
  });

  test('a syntax error is one line naming the file and the place', async () => {
    const folder = dir();
    writeFileSync(join(folder, 'gopool.config.js'), 'module.exports = { port: 3000,, };\n');
    await assert.rejects(loadConfigFile(join(folder, 'gopool.config.js'), undefined), (err: Error & { code: string }) => {
      assert.equal(err.code, 'GOPOOL_ERR_CONFIG_LOAD');
      assert.match(err.message, /^config file .*gopool\.config\.js failed to load: SyntaxError: /);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
    writeFileSync(join(folder, 'broken.json'), '{ "port": 3000, }');
    await assert.rejects(loadConfigFile(join(folder, 'broken.json'), undefined), {
      code: 'GOPOOL_ERR_CONFIG_LOAD',
      message: /broken\.json failed to load: SyntaxError/,
    });
  });

  test('a missing file', async () => {
    await assert.rejects(loadConfigFile(join(dir(), 'nope.js'), undefined), { code: 'GOPOOL_ERR_CONFIG_NOT_FOUND' });
  });

  test('a file edited between two reads is read afresh', async () => {
    const folder = dir();
    const file = join(folder, 'gopool.config.js');
    writeFileSync(file, 'module.exports = { port: 2001 };');
    assert.equal((await loadConfigFile(file, undefined)).options.port, 2001);
    writeFileSync(file, 'module.exports = { port: 2002 };');
    assert.equal((await loadConfigFile(file, undefined)).options.port, 2002);
  });
});
