// Invalid options and missing or broken app files: one clear line, non-zero exit, no stack.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, FIXTURES, runToEnd, tempDir } from './helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

/** A folder with an app file and a config file beside it (the config file fails first). */
function configDir(config: string): string {
  const dir = tempDir('gopool-config-');
  writeFileSync(join(dir, 'app.js'), "throw new Error('never loaded: the config file is read first');\n");
  writeFileSync(join(dir, 'gopool.config.js'), config);
  return dir;
}

async function failsWith(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<void> {
  const result = await runToEnd(process.execPath, [CLI, ...args], { env, ...(cwd ? { cwd } : {}) });
  assert.notEqual(result.code, 0, `exit code for ${args.join(' ')}`);
  const lines = result.output.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line, got:\n${result.output}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.output, /^\s+at /m, 'no stack trace');
}

describe('start-up errors', () => {
  test('missing app file', () => failsWith(['start', join(FIXTURES, 'nope.js')], /^gopool: app file not found: .*nope\.js$/));
  test('app file with a syntax error', () =>
    failsWith(['start', join(FIXTURES, 'broken-syntax.js')], /^gopool: app file .*broken-syntax\.js failed to load: SyntaxError: .*broken-syntax\.js:3/));
  test('app file that throws while loading', () =>
    failsWith(['start', join(FIXTURES, 'broken-throws.mjs')], /failed to load: Error: the app refuses to load \(.*broken-throws\.mjs:3/));
  test('not a JavaScript or TypeScript file', () => failsWith(['start', join(FIXTURES, '..', 'tsconfig.json')], /must end in \.js, \.mjs, \.cjs or \.ts/));
  test('non-numeric flag', () => failsWith(['start', APP, '--max-threads', 'many'], /^gopool: --max-threads must be an integer, got "many"$/));
  test('out-of-range flag', () => failsWith(['start', APP, '--port', '70000'], /^gopool: --port must be at most 65535, got 70000$/));
  test('min above max', () => failsWith(['start', APP, '--min-threads', '4', '--max-threads', '2'], /min-threads \(4\) is larger than max-threads \(2\)/));
  test('bad environment variable', () =>
    failsWith(['start', APP], /^gopool: environment GOPOOL_TIMEOUT must be an integer, got "soon"$/, { GOPOOL_TIMEOUT: 'soon' }));
  test('bad log level', () => failsWith(['start', APP, '--log-level', 'loud'], /--log-level must be one of fatal, error/));
  test('bad option in code', () =>
    failsWith(['start', join(FIXTURES, 'bad-code-option.js')], /options passed to gopool: maxThreads must be an integer, got "many"/));
  test('ctx that cannot be cloned into threads', () => failsWith(['start', join(FIXTURES, 'bad-ctx.js')], /ctx cannot be copied into the threads/));
  test('unknown flag', () => failsWith(['start', APP, '--max-thread', '2'], /unknown option '--max-thread'/));
  test('config file with a syntax error', () => {
    const dir = configDir('module.exports = { port: 3000,, };\n');
    return failsWith(['start', join(dir, 'app.js')], /^gopool: config file .*gopool\.config\.js failed to load: SyntaxError: /);
  });
  test('config file with an unknown option', () => {
    const dir = configDir('module.exports = { maxThread: 2 };\n');
    return failsWith(['start', join(dir, 'app.js')], /^gopool: config file .*gopool\.config\.js: maxThread is not a gopool option$/);
  });
  test('config file with a value of the wrong type, in a section', () => {
    const dir = configDir('module.exports = { env_production: { port: "eighty" } };\n');
    return failsWith(['start', join(dir, 'app.js'), '--env', 'production'], /^gopool: config file .*: env_production\.port must be an integer, got "eighty"$/);
  });
  test('--env naming a section the config file lacks', () => {
    const dir = configDir('module.exports = {};\n');
    return failsWith(['start', join(dir, 'app.js'), '--env', 'staging'], /^gopool: config file .* has no section "env_staging" for --env staging$/);
  });
  test('GOPOOL_HOME owned by another user', () => {
    const home = tempDir('gopool-foreign-');
    chownSync(home, process.getuid!() + 4242, 0); // the suite runs as root
    return failsWith(['start', APP], /^gopool: GOPOOL_HOME .* belongs to uid \d+, not to this user/, { GOPOOL_HOME: home });
  });
  test('GOPOOL_HOME writable by everyone without the sticky bit', () => {
    const home = tempDir('gopool-open-');
    chmodSync(home, 0o777);
    return failsWith(['start', APP], /^gopool: GOPOOL_HOME .* is writable by every user and has no sticky bit/, { GOPOOL_HOME: home });
  });
  test('no app and no config file', () =>
    failsWith(['start'], /^gopool: no app file given, and no gopool\.config\.\{js,mjs,cjs,json\} with an "app" field in /, {}, tmpdir()));
  test('port already in use', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as { port: number }).port);
    try {
      await failsWith(['start', APP, '--port', port], new RegExp(`^gopool: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    } finally {
      server.close();
    }
  });
});

describe('--help', () => {
  test('documents every flag with its default', async () => {
    const result = await runToEnd(process.execPath, [CLI, 'start', '--help']);
    assert.equal(result.code, 0);
    const expected: Array<[string, string]> = [
      ['--port', '3000'],
      ['--host', '127.0.0.1'],
      ['--timeout', '10000'],
      ['--min-threads', '0'],
      ['--max-threads', 'CPU count'],
      ['--max-queue', 'CPU count × 1000'],
      ['--idle-timeout', '15000'],
    ];
    for (const [flag, shown] of expected) {
      const line = result.output.split('\n').find((l) => l.trimStart().startsWith(`${flag} `));
      assert.ok(line, `${flag} is documented`);
      assert.ok(line.includes(`(default: ${shown};`), `${flag} shows its default ${shown}: ${line}`);
    }
  });
});
