#!/usr/bin/env node
// Runs the whole test suite once per Node major that package.json "engines" promises.
// The machine's own Node runs it first; the other majors come from scripts/node-versions.mjs.
//
//   npm test                        every promised major
//   GOPOOL_TEST_NODES=current npm test   only the Node running npm (quick local loop)
//   GOPOOL_TEST_COVERAGE=0 npm test      without the coverage report of the machine's Node run
//   npm test -- test/pool.test.ts   only some files
//
// Where tests live (test/internals/ import src/, or dist/ for a module that starts a built file by
// path; end-to-end tests start the built CLI and reach gopool only through require('gopool')):
//   test/internals/**/*.test.ts  unit tests of pure modules, mirroring src/ (seconds; every major)
//   test/*.test.ts               end to end: real processes, sockets, clients (every major)
//   test/programs/*.test.ts      end to end against real programs (nginx, prometheus, chromium,
//                                the packed tarball installed with npm, ...): their outcome does
//                                not depend on Node's version, so they run once, on the Node
//                                running npm test
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { nodeBinary } from './node-versions.mjs';
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

// Coverage: c8 sets NODE_V8_COVERAGE, which every process the suite starts inherits (the CLI, the
// daemons, the masters, config-file children) and whose worker threads write too; it maps the
// covered dist/ back to src/ through the source maps. Only for a whole run on the machine's Node;
// GOPOOL_TEST_COVERAGE=0 turns it off.
const COVERAGE = join(root, '.coverage');
const C8 = [
  join(root, 'node_modules', 'c8', 'bin', 'c8.js'),
  '--temp-directory',
  join(COVERAGE, 'tmp'),
  '--report-dir',
  COVERAGE,
  '--reporter=json-summary',
  '--include=src/**',
  '--exclude-after-remap',
];

/** One line: the share of src/ the suite ran, from c8's summary (V8's raw data, hundreds of MB, is removed). */
function coverageLine(version) {
  rmSync(join(COVERAGE, 'tmp'), { recursive: true, force: true });
  const file = join(COVERAGE, 'coverage-summary.json');
  if (!existsSync(file)) return `coverage: no report (${file} is missing)`;
  const summary = JSON.parse(readFileSync(file, 'utf8'));
  const { lines, branches, functions } = summary.total;
  const loaded = Object.keys(summary).length - 1;
  const sources = readdirSync(join(root, 'src'), { recursive: true }).filter((f) => /\.m?ts$/.test(f)).length;
  return `coverage of src/ on Node ${version}: ${lines.pct}% of lines, ${branches.pct}% of branches, ${functions.pct}% of functions (${loaded} of ${sources} files ran; report in .coverage/)`;
}

/**
 * The files that take longest (each waits out restarts, back-offs or grace periods in turn)
 * start first, so that the run does not end with one of them alone; the rest by name.
 */
const LONGEST_FIRST = ['streams', 'background', 'crash-loop', 'supervision', 'pool-faults', 'pool', 'ingress', 'socket-close', 'tls', 'fastify-apps'];
function startOrder(file) {
  const at = LONGEST_FIRST.indexOf(file.replace(/\.test\.ts$/, ''));
  return at === -1 ? LONGEST_FIRST.length : at;
}

const chosen = process.argv.slice(2);
const everyMajor =
  chosen.length > 0
    ? chosen.filter((f) => !f.includes('test/programs/'))
    : [
        ...testFiles('internals'),
        ...readdirSync(join(root, 'test'))
          .filter((f) => f.endsWith('.test.ts'))
          .sort((a, b) => startOrder(a) - startOrder(b) || a.localeCompare(b))
          .map((f) => join('test', f)),
      ];
const onceOnly = chosen.length > 0 ? chosen.filter((f) => f.includes('test/programs/')) : testFiles('programs');

const majors =
  process.env.GOPOOL_TEST_NODES === 'current'
    ? [Number(process.versions.node.split('.')[0])]
    : (process.env.GOPOOL_TEST_NODES?.split(',').map(Number) ?? PROMISED);

ensureSystemPackages(SYSTEM_NEEDS);

let passed = 0;
let failed = 0;
const summary = [];

// The public types: test/types/*.ts must compile, and their @ts-expect-error lines must fail.
console.log('\n== type checks (tsc --noEmit -p test/tsconfig.json)');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(root, 'test', 'tsconfig.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status === 0) passed++;
else failed++;
summary.push(`type checks: ${tsc.status === 0 ? 'passed' : 'FAILED'}`);
// The tests of real programs run on the first major only, in a run of their own: outside
// coverage (they exercise npm, nginx, a browser, not src/ more than the rest does).
// Lint and format (biome.json): one check of the sources, tests, scripts and benchmarks.
console.log('\n== lint and format (biome check)');
const biome = spawnSync(process.execPath, [join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', '.'], { cwd: root, stdio: 'inherit' });
if (biome.status === 0) passed++;
else failed++;
summary.push(`lint and format: ${biome.status === 0 ? 'passed' : 'FAILED (npx biome check --write . fixes what it can)'}`);
const runs = majors.flatMap((major, i) => [
  { major, files: everyMajor, programs: false },
  ...(i === 0 && onceOnly.length > 0 ? [{ major, files: onceOnly, programs: true }] : []),
]);
for (const { major, files, programs } of runs) {
  if (files.length === 0) continue;
  const node = nodeBinary(major);
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  // The whole suite on the machine's Node runs under c8 (coverage of src/, see coverageLine).
  const covered = !programs && chosen.length === 0 && node === process.execPath && process.env.GOPOOL_TEST_COVERAGE !== '0';
  console.log(`\n== ${programs ? 'tests of real programs (on one major only)' : 'test suite'} on Node ${version}${covered ? ', with coverage' : ''}`);
  const started = Date.now();
  // Four test files at once on two cores: most of an end-to-end file's time is spent waiting on
  // processes it started (restarts with back-off, timeouts, graceful stops), not on the CPU.
  // GOPOOL_TEST_CONCURRENCY changes it.
  const command = [node, '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.GOPOOL_TEST_CONCURRENCY ?? 4}`, ...files];
  const [bin, ...args] = covered ? [process.execPath, ...C8, ...command] : command;
  const result = spawnSync(bin, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(result.stdout);
  const count = (name) => Number(result.stdout.match(new RegExp(`^ℹ ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  const ok = result.status === 0;
  passed += count('pass');
  failed += count('fail') + (ok || count('fail') > 0 ? 0 : 1);
  summary.push(
    `${programs ? 'real programs, ' : ''}Node ${version}: ${count('pass')} passed, ${count('fail')} failed in ${Math.round((Date.now() - started) / 1000)} s${ok ? '' : ` (exit ${result.status})`}`,
  );
  if (covered) summary.push(coverageLine(version));
}
console.log(`\n${summary.join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
