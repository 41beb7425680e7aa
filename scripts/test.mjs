#!/usr/bin/env node
// Runs the whole test suite once per Node major that package.json "engines" promises.
// The machine's own Node runs it first; the other majors come from scripts/node-versions.mjs.
//
//   npm test                        every promised major
//   GOPOOL_TEST_NODES=current npm test   only the Node running npm (quick local loop)
//   npm run coverage                the suite on the machine's Node only, with c8's coverage of src/
//   npm test -- test/pool.test.ts   only some files
//   GOPOOL_TEST_CONCURRENCY=6 npm test   test files at once, of every run together (the default;
//                                        up to half as many again while the cores are idle)
//
// Where tests live (test/internals/ import src/, or dist/ for a module that starts a built file by
// path; end-to-end tests start the built CLI and reach gopool only through require('gopool')):
//   test/internals/**/*.test.ts  unit tests of pure modules, mirroring src/ (seconds; every major;
//                                a whole run has test/internals/in-one-process.ts run them all)
//   test/*.test.ts               end to end: real processes, sockets, clients (every major)
//   test/programs/*.test.ts      end to end against real programs (nginx, prometheus, chromium,
//                                the packed tarball installed with npm, ...): their outcome does
//                                not depend on Node's version, so they run once, on the Node
//                                running npm test
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { installNodes, nodeBinary } from './node-versions.mjs';
import { ensureSystemPackages } from './system-packages.mjs';

// Debian packages some tests need; installed here when missing, never skipped:
// promtool (package prometheus) validates the metrics text and the prometheus server of the same
// package scrapes two instances (test/programs/prometheus.test.ts), chromium renders the dashboard;
// nginx is the proxy in front of two instances (test/programs/nginx.test.ts); tini is PID 1
// of deploy/Dockerfile's command line (test/programs/container.test.ts); systemd-analyze and
// systemd-notify (package systemd) check the unit of `gopool startup systemd` and carry
// sd_notify, python3 receives those on a unix datagram socket; curl is a real client of the
// streams (test/streams.test.ts) and of HTTPS and HTTP/2 (test/tls.test.ts), whose self-signed
// certificates openssl makes; postgresql counts the connections a per-process budget allows
// (test/programs/db-budget.test.ts) and stores the articles of docs/fastify-apps.md's example
// (test/programs/docs-fastify-apps.test.ts).
const SYSTEM_NEEDS = [
  { what: 'promtool', present: () => spawnSync('promtool', ['--version']).status === 0, apt: 'prometheus' },
  { what: 'chromium', present: () => existsSync('/usr/bin/chromium'), apt: 'chromium' },
  { what: 'nginx', present: () => spawnSync('nginx', ['-v']).status === 0, apt: 'nginx' },
  { what: 'tini', present: () => existsSync('/usr/bin/tini'), apt: 'tini' },
  {
    what: 'systemd-analyze',
    present: () => spawnSync('systemd-analyze', ['--version']).status === 0 && spawnSync('systemd-notify', ['--version']).status === 0,
    apt: 'systemd',
  },
  { what: 'python3', present: () => spawnSync('python3', ['--version']).status === 0, apt: 'python3' },
  { what: 'curl', present: () => spawnSync('curl', ['--version']).status === 0, apt: 'curl' },
  { what: 'openssl', present: () => spawnSync('openssl', ['version']).status === 0, apt: 'openssl' },
  {
    what: 'postgresql',
    present: () =>
      existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((major) => existsSync(`/usr/lib/postgresql/${major}/bin/pg_ctl`)),
    apt: 'postgresql',
  },
];

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const PROMISED = [20, 22, 24, 26];
/** Every *.test.ts below test/<dir> (recursively), sorted, relative to the root. */
function testFiles(dir) {
  const base = join(root, 'test', dir);
  if (!existsSync(base)) return [];
  return readdirSync(base, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

// Coverage (`npm run coverage`, scripts/test.mjs --coverage): V8's own, written by every process
// the run starts (the test files, the CLI, the daemons, the masters, config-file children) and
// by their worker threads, to the folder in NODE_V8_COVERAGE, which they all inherit; c8 then
// maps the covered dist/ back to src/ through the source maps (what `c8 <command>` does, with
// the command being many test files here). A run of its own, on the machine's Node: V8's
// precise coverage makes every process of the run slower (about a third more CPU), which
// npm test's four majors do without.
const COVERAGE = join(root, '.coverage');
const C8_REPORT = [
  join(root, 'node_modules', 'c8', 'bin', 'c8.js'),
  'report',
  '--temp-directory',
  join(COVERAGE, 'tmp'),
  '--report-dir',
  COVERAGE,
  '--reporter=json-summary',
  '--include=src/**',
  // After the source maps: --include=dist/** before them counts fewer of src/'s lines and
  // branches than there are.
  '--exclude-after-remap',
];

/** One line: the share of src/ the suite ran, from c8's summary (V8's raw data, hundreds of MB, is removed). */
function coverageLine(version, reportMs) {
  rmSync(join(COVERAGE, 'tmp'), { recursive: true, force: true });
  const file = join(COVERAGE, 'coverage-summary.json');
  if (!existsSync(file)) return `coverage: no report (${file} is missing)`;
  const summary = JSON.parse(readFileSync(file, 'utf8'));
  const { lines, branches, functions } = summary.total;
  const loaded = Object.keys(summary).length - 1;
  const sources = readdirSync(join(root, 'src'), { recursive: true }).filter((f) => /\.m?ts$/.test(f)).length;
  return `coverage of src/ on Node ${version}: ${lines.pct}% of lines, ${branches.pct}% of branches, ${functions.pct}% of functions (${loaded} of ${sources} files ran; report in .coverage/, made in ${Math.round(reportMs / 1000)} s)`;
}

/**
 * Every file, the longest first (their time in a whole run on this machine: each waits out
 * restarts, back-offs or grace periods in turn, or installs with npm), so that the run ends
 * with short files, not with a long one alone while the cores idle. Named by their path below
 * test/, without .test.ts; a file not listed starts after these.
 */
const LONGEST_FIRST = [
  'programs/package',
  'streams',
  'supervision',
  'programs/nginx',
  'ingress',
  'tls',
  'responses',
  'crash-loop',
  'internals/in-one-process',
  'background',
  'programs/container',
  'programs/dashboard',
  'pool-faults',
  'programs/db-budget',
  'pool',
  'fastify-apps',
  'watch',
  'programs/malformed-requests',
  'config-file',
  'monitoring',
  'programs/prometheus',
  'programs/docs-fastify-apps',
  'spec-example',
  'socket-close',
  'slow-clients',
  'programs/kubernetes',
  'startup-errors',
  'programs/systemd',
  'websockets',
  'app-parsers',
  'placement',
  'lifecycle',
  'on-master',
  'programs/cgroup-cpu-quota',
  'readme',
];
function startOrder(file) {
  const at = LONGEST_FIRST.indexOf(relative(join(root, 'test'), join(root, file)).replace(/(\.test)?\.ts$/, ''));
  return at === -1 ? LONGEST_FIRST.length : at;
}

// The unit tests run in one process (the file requires every test/internals/**/*.test.ts): one
// process per file would spend most of their CPU starting node, tsx and the test runner.
const INTERNALS = join('test', 'internals', 'in-one-process.ts');

const COVERAGE_RUN = process.argv.includes('--coverage');
const chosen = process.argv.slice(2).filter((arg) => arg !== '--coverage');
const everyMajor =
  chosen.length > 0
    ? chosen.filter((f) => !f.includes('test/programs/'))
    : [
        INTERNALS,
        ...readdirSync(join(root, 'test'))
          .filter((f) => f.endsWith('.test.ts'))
          .map((f) => join('test', f)),
      ];
// Not in the coverage run: they exercise npm, nginx, a browser, not src/ more than the rest does.
const onceOnly = COVERAGE_RUN ? [] : chosen.length > 0 ? chosen.filter((f) => f.includes('test/programs/')) : testFiles('programs');

const current = Number(process.versions.node.split('.')[0]);
const majors = COVERAGE_RUN || process.env.GOPOOL_TEST_NODES === 'current' ? [current] : (process.env.GOPOOL_TEST_NODES?.split(',').map(Number) ?? PROMISED);

ensureSystemPackages(SYSTEM_NEEDS);

const began = Date.now();
let passed = 0;
let failed = 0;
const summary = [];

// The other majors' Node, while the checks run (an install mostly waits on the registry and
// the disk). The test files wait for them: the longest files of every major then start first,
// together (with the machine's Node's files started meanwhile, the installs took a minute on
// the busy cores and the other majors' longest files ended the run alone).
const installing = installNodes(majors);

/** A command whose output is printed in one piece once it is done; resolves with its exit code. */
function runQuietly(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = [];
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => out.push(chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, text: Buffer.concat(out).toString('utf8') })));
}
// The public types (test/types/*.ts must compile, and their @ts-expect-error lines must fail) and
// lint and format (biome.json: the sources, tests, scripts and benchmarks), beside the test files:
// tsc keeps one core busy for seconds.
const checks = [
  {
    title: 'type checks (tsc --noEmit -p test/tsconfig.json)',
    name: 'type checks',
    args: [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(root, 'test', 'tsconfig.json')],
    fix: '',
  },
  {
    title: 'lint and format (biome check)',
    name: 'lint and format',
    args: [join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', '.'],
    fix: ' (npx biome check --write . fixes what it can)',
  },
].map((check) =>
  runQuietly(process.execPath, check.args).then(({ code, text }) => {
    console.log(`\n== ${check.title}${code === 0 ? '' : ` (exit ${code})`}`);
    process.stdout.write(text);
    if (code === 0) passed++;
    else failed++;
    return `${check.name}: ${code === 0 ? 'passed' : `FAILED${check.fix}`}`;
  }),
);

// The tests of real programs run on the first major only, in a run of their own.
const runs = majors.flatMap((major, i) => [
  { major, files: everyMajor, programs: false },
  ...(i === 0 && onceOnly.length > 0 ? [{ major, files: onceOnly, programs: true }] : []),
]);
// V8's compiled code of every module, kept between processes (Node 22.1 and later; Node 20
// ignores it): each test starts the CLI, a daemon, masters and threads that load the same
// modules, fastify's among them. Not for the covered run, whose compiled code counts.
const COMPILE_CACHE = join(root, 'node_modules', '.cache', 'gopool-tests-compile-cache');
for (const run of runs) {
  // `npm run coverage`: the suite on the machine's Node alone, under coverage (of src/, see coverageLine).
  run.covered = COVERAGE_RUN;
  run.env = run.covered ? { ...process.env, NODE_V8_COVERAGE: join(COVERAGE, 'tmp') } : { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE };
  run.left = run.files.length;
  Object.assign(run, { pass: 0, fail: 0, crashed: 0, first: 0, last: 0 });
}
await installing;
for (const run of runs) {
  run.node = nodeBinary(run.major);
  run.version = spawnSync(run.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  run.title = `${run.programs ? 'real programs' : 'test suite'} on Node ${run.version}${run.covered ? ', with coverage' : ''}`;
}
if (runs.some((run) => run.covered)) {
  rmSync(COVERAGE, { recursive: true, force: true });
  mkdirSync(join(COVERAGE, 'tmp'), { recursive: true });
}

// One pool of test files for every run, the longest first whichever run they are of, so that
// the machine stays busy to the end instead of each run ending with its longest files alone.
// GOPOOL_TEST_CONCURRENCY of them at once (6 by default, on two cores: most of an end-to-end
// file's time is spent waiting on the processes it started, restarts with back-off, timeouts,
// graceful stops), and one more each second in which the cores were idle more than a fifth of
// the time, up to half as many again: files that mostly wait (slow clients, back-offs) would
// otherwise leave the cores idle, at the end of the run above all. Each file runs as
// `node <file>` (node:test runs the tests of the file it is given, and reports them), its
// output printed once it is done.
const AT_ONCE = Math.max(1, Number(process.env.GOPOOL_TEST_CONCURRENCY ?? 6));
const AT_MOST = AT_ONCE + Math.ceil(AT_ONCE / 2);
const IDLE_ENOUGH = 0.2;
// Each file's CPU time, its own and its children's (scripts/cpu-at-exit.cjs), summed over the runs.
const CPU_AT_EXIT = join(root, 'scripts', 'cpu-at-exit.cjs');
const cpuByFile = new Map();
const pending = runs
  .flatMap((run, r) => run.files.map((file) => ({ run, r, file })))
  .sort((a, b) => startOrder(a.file) - startOrder(b.file) || a.r - b.r || a.file.localeCompare(b.file));
console.log(`\n== ${pending.length} test files, ${AT_ONCE} at once (up to ${AT_MOST} while the cores are idle): ${runs.map((run) => run.title).join('; ')}`);

// tsx's CommonJS hook (`--require tsx/cjs`), not `--import tsx`: the test files are CommonJS
// (package.json "type"), and `--import tsx` also registers ESM hooks, which run on a loader
// thread of their own that every test file's process starts and compiles (about half a second of
// CPU per file, against a few hundredths; scripts/cpu-at-exit.cjs is CommonJS for the same reason).
function runFile({ run, file }) {
  const started = Date.now();
  if (!run.first) run.first = started;
  return runQuietly(run.node, ['--require', 'tsx/cjs', '--require', CPU_AT_EXIT, '--test-reporter=spec', file], run.env).then(({ code: status, text }) => {
    const count = (name) => Number(text.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
    run.pass += count('pass');
    run.fail += count('fail');
    if (status !== 0 && count('fail') === 0) run.crashed++;
    run.last = Date.now();
    const cpuSeconds = count('cpu_ms') / 1000;
    cpuByFile.set(file, (cpuByFile.get(file) ?? 0) + cpuSeconds);
    console.log(
      `\n== ${file}, ${run.title}: ${Math.round((run.last - started) / 1000)} s, ${Math.round(cpuSeconds)} s of CPU${status === 0 ? '' : ` (exit ${status})`}`,
    );
    process.stdout.write(text);
    if (--run.left === 0 && run.covered) {
      // Every process of the run has written its coverage: the report, while the pool goes on.
      const reportBegan = Date.now();
      run.report = new Promise((done) => spawn(process.execPath, C8_REPORT, { cwd: root, stdio: 'inherit' }).on('close', done)).then((code) => {
        run.coverage = code === 0 ? coverageLine(run.version, Date.now() - reportBegan) : `coverage: c8 report failed (exit ${code})`;
      });
    }
  });
}

/** The share of the last second the machine's cores were idle, from the kernel's CPU times. */
function idleMeter() {
  const times = () =>
    cpus().reduce((sum, { times: t }) => ({ idle: sum.idle + t.idle, all: sum.all + t.idle + t.user + t.nice + t.sys + t.irq }), { idle: 0, all: 0 });
  let before = times();
  let share = 0;
  const timer = setInterval(() => {
    const now = times();
    share = now.all > before.all ? (now.idle - before.idle) / (now.all - before.all) : 0;
    before = now;
  }, 1000);
  return { share: () => share, stop: () => clearInterval(timer) };
}

const idle = idleMeter();
const running = new Set();
let lastStart = 0;
let mostAtOnce = 0;
while (pending.length > 0 || running.size > 0) {
  const room = running.size < AT_ONCE || (running.size < AT_MOST && Date.now() - lastStart >= 1000 && idle.share() > IDLE_ENOUGH);
  if (room && pending.length > 0) {
    lastStart = Date.now();
    mostAtOnce = Math.max(mostAtOnce, running.size + 1);
    const done = runFile(pending.shift()).then(() => running.delete(done));
    running.add(done);
    continue;
  }
  await Promise.race([...running, new Promise((resolve) => setTimeout(resolve, 250))]);
}
idle.stop();
summary.push(...(await Promise.all(checks)));
await Promise.all(runs.map((run) => run.report));
for (const run of runs) {
  passed += run.pass;
  failed += run.fail + run.crashed;
  const crashed = run.crashed ? ` (${run.crashed} file${run.crashed > 1 ? 's' : ''} exited without a test report)` : '';
  summary.push(
    `${run.programs ? 'real programs, ' : ''}Node ${run.version}: ${run.pass} passed, ${run.fail} failed${crashed}, its files from +${Math.round((run.first - began) / 1000)} s to +${Math.round((run.last - began) / 1000)} s`,
  );
  if (run.coverage) summary.push(run.coverage);
}
const cpuTotal = [...cpuByFile.values()].reduce((sum, s) => sum + s, 0);
const costliest = [...cpuByFile].sort((a, b) => b[1] - a[1]).slice(0, 5);
summary.push(
  `CPU of the test files and what they started: ${Math.round(cpuTotal)} s; the most: ${costliest.map(([file, s]) => `${file.replace(/^test\//, '')} ${Math.round(s)} s`).join(', ')}`,
);
summary.push(`whole run: ${Math.round((Date.now() - began) / 1000)} s, at most ${mostAtOnce} test files at once`);
console.log(`\n${summary.join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
