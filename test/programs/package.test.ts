// What a user installs, tested the way a user gets it: the tarball that `npm pack` makes from a
// clean copy of the repository, installed by npm into fresh app folders outside the repository.
//   - packing builds first, and ships the compiled package with its types and nothing else; its
//     package.json has no scripts (the repository's are back once npm has packed);
//   - `npm install --engine-strict <tarball>` passes on every Node major that "engines" promises
//     (npm's own CLI run by that major's node), with no install script of gopool's to approve,
//     and the example app starts there;
//   - a JavaScript app gets neither tsx nor esbuild; a TypeScript app without tsx stops at start
//     with GOPOOL_ERR_APP_NEEDS_TSX, and runs once tsx is installed beside gopool;
//   - the README's example runs from the install in CommonJS, ESM and TypeScript with the CLI of
//     that install: `npx gopool --help`, `start` (foreground and --daemon), `status`, `stop`;
//   - a TypeScript consumer type-checks against the installed types under every module
//     resolution, ESM and CommonJS, without skipLibCheck;
//   - `npm ci --engine-strict` of the repository passes on every promised major;
//   - `npm install git+file://` of the repository builds it (prepare) and installs what it packs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, postJson } from '../helpers/http';
import { envFor, exec, NPX, npm, npmOutput } from '../helpers/npm';
import { type App, ROOT, run, runToEnd, tempDir, whenListening } from '../helpers/processes';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: unknown;
  engines: { node: string };
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The majors "engines" promises ("^20.19.0 || ^22.12.0 || ..." gives 20, 22, ...). */
const PROMISED = [...pkg.engines.node.matchAll(/\^(\d+)\./g)].map((m) => Number(m[1]));
const CURRENT = Number(process.versions.node.split('.')[0]);

let nodeBinary: (major: number) => string = () => {
  throw new Error('scripts/node-versions.mjs not loaded yet');
};

const work = tempDir('gopool-package-');
let tarball = '';

/** The files a clone has (tracked, or new and not ignored), copied as they are in the work tree. */
function cleanCopy(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dest, file));
  }
  // `npm ci` of the clone, without its time: the repository's own installed dependencies.
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
}

interface Packed {
  filename: string;
  files: Array<{ path: string }>;
  size: number;
  unpackedSize: number;
  entryCount: number;
}
let packed: Packed;
/** The package.json in the tarball, and the clone's own before and after `npm pack`. */
let shipped: Record<string, unknown>;
let cloneManifest = { before: '', after: '', leftBehind: true };

before(async () => {
  ({ nodeBinary } = (await import(join(ROOT, 'scripts', 'node-versions.mjs'))) as { nodeBinary: (major: number) => string });
  const clone = join(work, 'clone');
  cleanCopy(clone);
  assert.ok(!existsSync(join(clone, 'dist')), 'the copy starts without a build');
  cloneManifest.before = readFileSync(join(clone, 'package.json'), 'utf8');
  const out = await npm(process.execPath, ['pack', '--json', '--pack-destination', work], clone);
  packed = (JSON.parse(out.slice(out.search(/^\[/m))) as Packed[])[0]!;
  tarball = join(work, packed.filename);
  assert.ok(existsSync(tarball), `${tarball} written`);
  cloneManifest = {
    ...cloneManifest,
    after: readFileSync(join(clone, 'package.json'), 'utf8'),
    leftBehind: existsSync(join(clone, '.package.json.before-pack')),
  };
  shipped = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
  // Started now, to run beside the tests that come first; a failure is reported by the tests
  // that wait for them.
  installed(CURRENT).catch(() => {});
  consumerInstalled().catch(() => {});
});

after(() => rmSync(work, { recursive: true, force: true }));

/**
 * One fresh app folder per major with the tarball installed by that major's npm, made once. The
 * machine's major installs first and asks the registry about every package, as a user's install
 * does; the others then resolve from the cache it has just refreshed (--prefer-offline): the same
 * answers, without a second round of the same requests.
 */
const installs = new Map<number, Promise<string>>();
/** What npm printed on stderr (its warnings) while installing the tarball, per major. */
const installWarnings = new Map<number, string>();
function installed(major: number): Promise<string> {
  let install = installs.get(major);
  if (!install) {
    install = (async () => {
      const fresh =
        major !== CURRENT &&
        (await installed(CURRENT).then(
          () => true,
          () => false,
        ));
      const dir = join(work, `app-node${major}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `app-node${major}`, version: '1.0.0', private: true }));
      // A machine's Node outside "engines" still runs the CLI tests (without the engine check).
      const flags = [...(PROMISED.includes(major) ? ['--engine-strict'] : []), ...(fresh ? ['--prefer-offline'] : [])];
      const { stderr } = await npmOutput(nodeBinary(major), ['install', ...flags, tarball], dir);
      installWarnings.set(major, stderr);
      copyExamples(dir);
      return dir;
    })();
    installs.set(major, install);
  }
  return install;
}

/**
 * A TypeScript app: the tarball, TypeScript 5, and the @types/node and tsx the repository uses,
 * in one install (tsx as a TypeScript app adds it: `npm install --save-dev tsx`).
 */
let consumerInstall: Promise<string> | undefined;
function consumerInstalled(): Promise<string> {
  consumerInstall ??= (async () => {
    const dir = join(work, 'ts-consumer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ts-consumer', version: '1.0.0', private: true }));
    const version = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    await installed(CURRENT).catch(() => {}); // see installed(): the cache is fresh after it
    await npm(
      process.execPath,
      ['install', '--prefer-offline', tarball, '--save-dev', 'typescript@5', `@types/node@${version('@types/node')}`, `tsx@${version('tsx')}`],
      dir,
    );
    copyExamples(dir);
    return dir;
  })();
  return consumerInstall;
}

function copyExamples(dir: string): void {
  for (const file of ['app.js', 'app.mjs', 'app.ts']) copyFileSync(join(ROOT, 'examples', file), join(dir, file));
}

/** The routes every flavour of the README's example has, checked over HTTP. */
async function checkExample(url: string): Promise<void> {
  const hello = await get(`${url}/v1/hello?name=gopool`, { headers: { 'user-agent': 'package-test' } });
  assert.equal(hello.status, 200, hello.text);
  assert.equal(hello.json().hello, 'gopool');
  assert.deepEqual(hello.json().headers, { 'user-agent': 'package-test' }, 'only the headers headerGetter picked');
  assert.deepEqual(hello.json().somebody, { hello: 'world' }, 'ctx from onMaster, cloned into the thread');
  const world = await postJson(`${url}/v1/world`, { a: 1 });
  assert.equal(world.status, 200, world.text);
  assert.deepEqual(world.json(), { a: 1 });
  const fib = await get(`${url}/fib/20`);
  assert.deepEqual(fib.json(), { value: 6765 });
  const ping = await get(`${url}/master/ping?x=1`);
  assert.deepEqual(ping.json().query, { x: '1' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm pack builds from a clean clone and ships the compiled package with its types, nothing else', () => {
  const paths = packed.files.map((file) => file.path);
  process.stdout.write(
    `  ${pkg.name}@${pkg.version}: ${packed.entryCount} files, ${(packed.size / 1000).toFixed(1)} kB packed, ${(packed.unpackedSize / 1000).toFixed(1)} kB unpacked\n`,
  );
  const stray = paths.filter((path) => !(path.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(path)));
  assert.deepEqual(stray, [], 'only dist/, package.json, README.md');
  assert.deepEqual(
    paths.filter((path) => path.endsWith('.map')),
    [],
    'no source maps: they would point at src/, which is not shipped',
  );
  assert.deepEqual(
    paths.filter((path) => /(^|\/)(test|tests|bench|fixtures|examples)\/|\.test\./.test(path)),
    [],
    'no tests, benchmarks, fixtures',
  );
  const leaves = (value: unknown): string[] => (typeof value === 'string' ? [value] : Object.values(value as object).flatMap(leaves));
  const entries = [pkg.main, pkg.types, ...Object.values(pkg.bin), ...leaves(pkg.exports)].map((entry) => entry.replace(/^\.\//, ''));
  for (const entry of entries) assert.ok(paths.includes(entry), `${entry} (named in package.json) is in the tarball`);
  for (const entry of ['dist/index.d.ts', 'dist/esm.d.mts', 'dist/cli/main.js']) assert.ok(paths.includes(entry), entry);
});

test("the packed package.json has no scripts, tsx only as an optional peer; the clone's package.json is back once packed", () => {
  assert.equal(shipped.scripts, undefined, `no scripts for an install to run or to list: ${JSON.stringify(shipped.scripts)}`);
  const { scripts, ...rest } = JSON.parse(cloneManifest.before) as Record<string, unknown>;
  assert.ok(scripts, 'the repository has scripts (prepare, test, ...)');
  assert.deepEqual(shipped, rest, "otherwise the repository's manifest");
  assert.equal(cloneManifest.after, cloneManifest.before, "postpack put the repository's package.json back as it was");
  assert.ok(!cloneManifest.leftBehind, 'and removed the copy it kept aside');
  assert.ok(!('tsx' in (shipped.dependencies as Record<string, string>)), 'tsx is no dependency');
  assert.ok((shipped.peerDependencies as Record<string, string>).tsx, 'tsx is a peer dependency');
  assert.deepEqual(shipped.peerDependenciesMeta, { tsx: { optional: true } }, 'an optional one: npm does not install it');
  assert.ok(pkg.devDependencies.tsx, "the repository's own tests still have it");
});

describe('npm install --engine-strict of the tarball on every promised Node major', { concurrency: 2 }, () => {
  for (const major of PROMISED) {
    test(`Node ${major}: installs with no install script of gopool's, one instance behind require and import, node app.js serves`, {
      timeout: 180_000,
    }, async () => {
      const dir = await installed(major);
      const node = nodeBinary(major);
      // npm 11 lists the packages whose install scripts (prepare among them, for a tarball) await approval.
      const listed = (installWarnings.get(major) ?? '').split('\n').filter((line) => /install-scripts/.test(line));
      assert.deepEqual(
        listed.filter((line) => /\bgopool@/.test(line)),
        [],
        `npm lists no script of gopool's:\n${listed.join('\n')}`,
      );
      const faces = await exec(
        node,
        [
          '--input-type=module',
          '-e',
          `
        import gopoolDefault, { gopool, Gopool, HttpError, httpError, reply, Reply } from 'gopool';
        import { createRequire } from 'node:module';
        const require = createRequire(import.meta.url);
        const cjs = require('gopool');
        // fastify loads light-my-request (its inject, which gopool's ingress relay uses) on first use only
        const injected = await createRequire(require.resolve('gopool'))('fastify')().inject({ url: '/nowhere' });
        const same = [[gopoolDefault, cjs.gopool], [gopool, cjs.gopool], [Gopool, cjs.Gopool], [HttpError, cjs.HttpError], [httpError, cjs.httpError], [reply, cjs.reply], [Reply, cjs.Reply]];
        console.log(JSON.stringify([same.every(([esm, commonjs]) => esm === commonjs && esm !== undefined), typeof gopool.get, injected.statusCode]));`,
        ],
        { cwd: dir, node, ms: 30_000 },
      );
      assert.deepEqual(JSON.parse(faces), [true, 'function', 404], 'import and require give the same objects; fastify.inject works');
      const started = run(node, ['app.js'], { cwd: dir, env: envFor(node, { GOPOOL_PORT: '0', GOPOOL_HOME: join(dir, 'home') }) });
      try {
        const app = await whenListening(started);
        const hello = await get(`${app.url}/v1/hello?name=node${major}`);
        assert.equal(hello.status, 200, hello.text);
        assert.equal(hello.json().hello, `node${major}`);
      } finally {
        const exit = await started.stop();
        assert.equal(exit.code, 0, `stopped cleanly: ${started.lines.slice(-5).join('\n')}`);
      }
    });
  }

  test('every package of the install declares engines that cover every version "engines" promises', { timeout: 180_000 }, async () => {
    // npm's check above sees the newest release of each major; this one covers the oldest too
    // (20.19.0, 22.12.0, ...), from the engines fields of what was installed.
    const dir = await installed(CURRENT);
    const listed = await npm(process.execPath, ['ls', '--all', '--parseable'], dir, 30_000);
    const folders = [...new Set(listed.trim().split('\n').slice(1))];
    assert.ok(folders.length > 10, `npm ls listed the install:\n${listed}`);
    const manifests = folders.map(
      (folder) => JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string; version: string; engines?: { node?: string } },
    );
    assert.deepEqual(uncovered(manifests.map((m) => [`${m.name}@${m.version}`, m.engines?.node])), []);
  });
});

test('a JavaScript app installs neither tsx nor esbuild', { timeout: 180_000 }, async () => {
  const dir = await installed(CURRENT);
  const listed = await npm(process.execPath, ['ls', '--all', '--parseable'], dir, 30_000);
  const folders = [...new Set(listed.trim().split('\n').slice(1))];
  const names = folders.map((folder) => (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string }).name);
  assert.deepEqual(
    names.filter((name) => name === 'tsx' || name === 'esbuild' || name.startsWith('@esbuild/')),
    [],
    'tsx and esbuild are not installed',
  );
  for (const name of ['tsx', 'esbuild']) assert.ok(!existsSync(join(dir, 'node_modules', name)), `no node_modules/${name}`);
  process.stdout.write(
    `  ${names.length} packages installed, ${(folderBytes(join(dir, 'node_modules')) / 1e6).toFixed(1)} MB of files in node_modules (du -sh, which counts whole disk blocks, says more)\n`,
  );
});

/** The bytes of the files below a folder (as `du -b`, without the folders' own blocks). */
function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/** "name@version engines excludes part of <promised range>" for each package that does. */
function uncovered(engines: Array<[string, string | undefined]>): string[] {
  // semver as the repository's fastify resolves it: no dependency of the repository's own.
  const semver = createRequire(join(ROOT, 'node_modules', 'fastify', 'package.json'))('semver') as { subset: (sub: string, dom: string) => boolean };
  const out: string[] = [];
  for (const [name, range] of engines) {
    if (!range) continue;
    for (const promised of pkg.engines.node.split('||').map((r) => r.trim())) {
      if (!semver.subset(promised, range)) out.push(`${name} engines "${range}" excludes part of ${promised}`);
    }
  }
  return out;
}

describe(`the README's example from the install, with its CLI (Node ${CURRENT})`, () => {
  let dir = '';
  let home = '';
  const gopoolBin = () => join(dir, 'node_modules', '.bin', 'gopool');
  const npx = (args: string[], ms = 30_000) => exec(process.execPath, [NPX, 'gopool', ...args], { cwd: dir, env: { GOPOOL_HOME: home }, ms });
  // The same installed CLI without npx's start-up (a second or two on a busy machine).
  const cli = (args: string[], ms = 30_000) => exec(gopoolBin(), args, { cwd: dir, env: { GOPOOL_HOME: home }, ms });

  before(async () => {
    dir = await installed(CURRENT);
    home = join(dir, 'gopool-home');
  });

  test('npx gopool --help', { timeout: 30_000 }, async () => {
    const help = await npx(['--help']);
    for (const command of ['start', 'stop', 'status']) assert.match(help, new RegExp(`^\\s+${command}\\b`, 'm'), `the ${command} command in:\n${help}`);
  });

  /** Starts the example with the CLI of the install in `appDir`, checks its routes, stops it. */
  async function startInForeground(appDir: string, file: string): Promise<void> {
    // The bin npx runs, started directly so that its pid is the one stopped.
    const bin = join(appDir, 'node_modules', '.bin', 'gopool');
    const started = run(bin, ['start', file, '--port', '0'], { cwd: appDir, env: envFor(process.execPath, { GOPOOL_HOME: home }) });
    try {
      const app: App = await whenListening(started);
      await checkExample(app.url);
    } finally {
      const exit = await started.stop();
      assert.equal(exit.code, 0, `stopped cleanly: ${started.lines.slice(-5).join('\n')}`);
    }
  }

  test('gopool start app.js in the foreground', { timeout: 60_000 }, () => startInForeground(dir, 'app.js'));

  test('gopool start app.ts without tsx: stops at start with GOPOOL_ERR_APP_NEEDS_TSX, which names tsx and the command', { timeout: 60_000 }, async () => {
    const result = await runToEnd(gopoolBin(), ['start', 'app.ts', '--port', '0'], {
      cwd: dir,
      env: envFor(process.execPath, { GOPOOL_HOME: home }),
      ms: 30_000,
    });
    assert.notEqual(result.code, 0, `a non-zero exit:\n${result.output}`);
    // The line is the message of the installed package's error of that code.
    const errors = createRequire(join(dir, 'package.json'))(join(dir, 'node_modules', 'gopool', 'dist', 'errors.js')) as {
      ERR_APP_NEEDS_TSX: new (file: string) => Error & { code: string };
    };
    const expected = new errors.ERR_APP_NEEDS_TSX(join(dir, 'app.ts'));
    assert.equal(expected.code, 'GOPOOL_ERR_APP_NEEDS_TSX');
    assert.deepEqual(
      result.output.split('\n').filter((line) => line.trim() !== ''),
      [`gopool: ${expected.message}`],
    );
    assert.match(expected.message, /\btsx\b/, 'it names the package');
    assert.match(expected.message, /npm install --save-dev tsx/, 'and the command that installs it');
  });

  test('gopool start app.ts in the foreground, in a TypeScript app that installed tsx', { timeout: 180_000 }, async () => {
    const tsApp = await consumerInstalled();
    assert.ok(existsSync(join(tsApp, 'node_modules', 'tsx')), 'tsx beside gopool');
    await startInForeground(tsApp, 'app.ts');
  });

  test('gopool start app.mjs --daemon, status, stop', { timeout: 60_000 }, async () => {
    const pids: number[] = [];
    try {
      const started = await npx(['start', 'app.mjs', '--daemon', '--port', '0', '--name', 'esm-app']);
      const url = /on (http:\/\/\S+)/.exec(started)?.[1];
      assert.ok(url, started);
      const [status] = JSON.parse(await cli(['status', 'esm-app', '--json'])) as Array<{
        state: string;
        url: string;
        daemon: { pid: number };
        masterPid: number;
      }>;
      pids.push(status!.daemon.pid, status!.masterPid);
      assert.equal(status!.state, 'online');
      assert.equal(status!.url, url);
      assert.match(await npx(['status']), /^esm-app\s+online\s+\d+/m);
      await checkExample(url);
      assert.match(await npx(['stop', 'esm-app']), /esm-app stopped/);
      assert.match(await cli(['status']), /no instance is running/);
      assert.ok(!alive(status!.daemon.pid), 'the daemon is gone');
    } finally {
      const pidFile = join(home, 'esm-app.pid');
      if (existsSync(pidFile)) pids.push(Number(readFileSync(pidFile, 'utf8')));
      for (const pid of pids) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('a TypeScript consumer of the installed types, without skipLibCheck', { concurrency: 2 }, () => {
  const consumerDir = () => join(work, 'ts-consumer', 'src');
  // TypeScript 7 (the repository's) no longer has moduleResolution node10; TypeScript 5 has.
  const repoTsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const ts5Tsc = () => join(work, 'ts-consumer', 'node_modules', 'typescript', 'bin', 'tsc');

  before(async () => {
    await consumerInstalled();
    mkdirSync(consumerDir());
    // The repository's type test, written as an app would: typed handlers, ctx by declaration
    // merging, and @ts-expect-error lines that fail if any type decays to `any`.
    const source = readFileSync(join(ROOT, 'test', 'types', 'api-types.ts'), 'utf8');
    for (const ext of ['ts', 'cts', 'mts']) writeFileSync(join(consumerDir(), `consumer.${ext}`), source);
  });

  // Each setting, and which face each file must resolve: dist/esm.d.mts for an import in an ES
  // module, dist/index.d.ts for CommonJS.
  const cases: Array<{ name: string; tsc: 'repo' | 'ts5'; module: string; moduleResolution: string; resolves: Record<string, string>; extra?: object }> = [
    // pino's types default-import a CommonJS module, so node10 needs esModuleInterop (as
    // `tsc --init` sets it); fastify's users have the same need.
    {
      name: 'node10 (TypeScript 5)',
      tsc: 'ts5',
      module: 'commonjs',
      moduleResolution: 'node10',
      resolves: { 'consumer.ts': 'index.d.ts' },
      extra: { esModuleInterop: true },
    },
    { name: 'node16', tsc: 'repo', module: 'node16', moduleResolution: 'node16', resolves: { 'consumer.cts': 'index.d.ts', 'consumer.mts': 'esm.d.mts' } },
    {
      name: 'nodenext',
      tsc: 'repo',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      resolves: { 'consumer.cts': 'index.d.ts', 'consumer.mts': 'esm.d.mts' },
    },
    { name: 'bundler', tsc: 'repo', module: 'esnext', moduleResolution: 'bundler', resolves: { 'consumer.ts': 'esm.d.mts' } },
    {
      name: 'bundler, module preserve',
      tsc: 'repo',
      module: 'preserve',
      moduleResolution: 'bundler',
      resolves: { 'consumer.ts': 'esm.d.mts', 'consumer.cts': 'index.d.ts' },
    },
  ];
  for (const c of cases) {
    test(`moduleResolution ${c.name}: ${Object.keys(c.resolves).join(', ')}`, { timeout: 60_000 }, async () => {
      const config = `tsconfig.${c.name.replace(/\W+/g, '-')}.json`;
      writeFileSync(
        join(consumerDir(), config),
        JSON.stringify(
          {
            compilerOptions: {
              strict: true,
              noEmit: true,
              skipLibCheck: false,
              target: 'ES2022',
              lib: ['ES2022'],
              types: ['node'],
              module: c.module,
              moduleResolution: c.moduleResolution,
              ...c.extra,
            },
            files: Object.keys(c.resolves),
          },
          null,
          2,
        ),
      );
      const tsc = c.tsc === 'repo' ? repoTsc : ts5Tsc();
      // Any type error fails here (exec throws with tsc's output).
      const explained = await exec(process.execPath, [tsc, '-p', config, '--explainFiles'], { cwd: consumerDir(), ms: 60_000 }).catch((err: Error) => {
        const errors = err.message.split('\n').filter((line) => /error TS\d+/.test(line));
        throw new Error(errors.length > 0 ? `tsc -p ${config}:\n${errors.join('\n')}` : err.message);
      });
      // --explainFiles: a file's path, then indented lines saying why it is in the program.
      const reasons = new Map<string, string[]>();
      let current: string[] = [];
      for (const line of explained.split('\n')) {
        if (/^\S/.test(line)) reasons.set(line.trim(), (current = []));
        else current.push(line.trim());
      }
      for (const [file, face] of Object.entries(c.resolves)) {
        const entry = [...reasons.keys()].find((path) => path.endsWith(`node_modules/gopool/dist/${face}`));
        assert.ok(entry, `${face} of the installed package is in the program:\n${explained}`);
        assert.ok(
          reasons.get(entry)!.some((why) => why.startsWith(`Imported via 'gopool' from file '${file}'`)),
          `${file} resolves 'gopool' to ${face}:\n${reasons.get(entry)!.join('\n')}`,
        );
      }
    });
  }
});

test('npm ci --engine-strict of the repository passes on every promised Node major', { timeout: 120_000 }, async () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const locked = Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .map(([path, entry]): [string, string | undefined] => [
      `${path.replace(/^.*node_modules\//, '')}@${entry.version}`,
      Array.isArray(entry.engines) ? undefined : entry.engines?.node,
    ]);
  assert.deepEqual(uncovered(locked), [], 'the engines of every locked package cover every promised version');
  // npm's own check, which reads the lock file; --dry-run stops before it downloads anything.
  const dir = join(work, 'repository-ci');
  mkdirSync(dir);
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
  await Promise.all(PROMISED.map((major) => npm(nodeBinary(major), ['ci', '--engine-strict', '--dry-run', '--ignore-scripts'], dir, 60_000)));
});

test('npm install git+file:// of the repository: npm clones it, builds it (prepare) and installs what it packs', { timeout: 300_000 }, async () => {
  // A repository of the work tree as a clone has it (what is committed and what is new), without
  // the repository's node_modules: npm installs the clone's dependencies itself, as for a user.
  const source = join(work, 'git-source');
  cleanCopy(source);
  rmSync(join(source, 'node_modules'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: source, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=gopool test', '-c', 'user.email=test@localhost', 'commit', '-q', '-m', 'the work tree');
  const app = join(work, 'git-app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'git-app', version: '1.0.0', private: true }));
  await npm(process.execPath, ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${source}`], app, 280_000);
  const installedAt = join(app, 'node_modules', 'gopool');
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/esm.mjs', 'dist/cli/main.js'])
    assert.ok(existsSync(join(installedAt, file)), `${file} was built`);
  assert.ok(!existsSync(join(installedAt, 'src')), 'what npm packs, not the clone: no src/');
  assert.ok(!existsSync(join(app, 'node_modules', 'tsx')), 'tsx, an optional peer, is not installed');
  const loaded = await exec(process.execPath, ['-e', "console.log(typeof require('gopool').gopool.get)"], { cwd: app, ms: 30_000 });
  assert.equal(loaded.trim(), 'function');
});
