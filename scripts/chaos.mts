#!/usr/bin/env node
// npm run chaos: hostile clients against a real gopool, started from the packed package (npm pack,
// installed with npm into a temporary project; CHAOS_FROM=dist runs this checkout's dist/ instead).
// Phases, each bounded: slowhttptest's slow headers (-H), slow body (-B) and slow read (-X); zzuf
// mutating valid requests sent over raw sockets; the malformed and smuggling corpus
// (test/fixtures/malformed-requests.json) over raw sockets; handlers that get stuck or crash while
// other clients load the server. After each phase a normal request must be answered. Counts:
// crashes (master restarts, pool threads replaced, ingress threads crashed or terminated), errors
// logged, hangs (no answer within the bound), 5xx and resets. Prints a table and writes bench/results/chaos.{md,json}.
//
//   npm run chaos                       everything, a few minutes
//   CHAOS_SECONDS=10 npm run chaos      shorter slowhttptest phases (default 25 s each)
//   CHAOS_FUZZ_CASES=500 npm run chaos  fewer fuzzed requests (default 3000)
//   CHAOS_FROM=dist npm run chaos       this checkout's dist/, not the packed package
//   CHAOS_HEADERS_TIMEOUT / CHAOS_REQUEST_TIMEOUT  the server's timeouts in ms (5000 / 8000:
//                                       shorter than the defaults, so a phase sees them act)
// Exit code 1 when the server stopped answering normal requests after a phase.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersNormally, type CorpusCase, type Outcome, runCase, sendRaw } from '../test/helpers/raw-http.ts';
import { ensureSystemPackages, onPath } from './system-packages.mjs';

const ROOT = join(import.meta.dirname, '..');
const SLOW_SECONDS = Number(process.env.CHAOS_SECONDS ?? 25);
const SLOW_CONNECTIONS = Number(process.env.CHAOS_CONNECTIONS ?? 300);
const FUZZ_CASES = Number(process.env.CHAOS_FUZZ_CASES ?? 3000);
const FROM = process.env.CHAOS_FROM ?? 'packed';
const MALFORMED_TRIES = Number(process.env.CHAOS_MALFORMED_TRIES ?? 4);
const HEADERS_TIMEOUT_MS = Number(process.env.CHAOS_HEADERS_TIMEOUT ?? 5000);
const REQUEST_TIMEOUT_MS = Number(process.env.CHAOS_REQUEST_TIMEOUT ?? 8000);
/** A normal request not answered within this long failed. */
const ANSWER_MS = 3000;
/** A hostile request neither answered nor closed within this long hangs: the server's timeouts should have acted. */
const HANG_MS = REQUEST_TIMEOUT_MS + 2000;

ensureSystemPackages([
  { what: 'slowhttptest', present: () => onPath('slowhttptest'), apt: 'slowhttptest' },
  { what: 'zzuf', present: () => onPath('zzuf'), apt: 'zzuf' },
]);

const work = mkdtempSync(join(tmpdir(), 'gopool-chaos-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the server ------------------------------------------------------------------------------

function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

/** The gopool CLI to start: from the packed tarball installed in a fresh project, or dist/. */
function installGopool(): { cli: string; app: string; cwd: string } {
  const app = join(work, 'app.js');
  copyFileSync(join(ROOT, 'test', 'fixtures', 'chaos-app.js'), app);
  if (FROM === 'dist') {
    // The app's require('gopool') resolves to this checkout (self-reference) only from inside it.
    const inside = join(ROOT, 'test', 'fixtures', 'chaos-app.js');
    return { cli: join(ROOT, 'dist', 'cli', 'main.js'), app: inside, cwd: ROOT };
  }
  console.log('== packing gopool and installing the tarball in a fresh project');
  run('npm', ['run', 'build'], ROOT);
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const tarball = join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'chaos-target', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], work);
  return { cli: join(work, 'node_modules', 'gopool', 'dist', 'cli', 'main.js'), app, cwd: work };
}

interface Server {
  child: ChildProcess;
  port: number;
  url: string;
  lines: string[];
}

async function startServer(): Promise<Server> {
  const { cli, app, cwd } = installGopool();
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  // Ingress threads from the start: the path most connections take under load. Headers and
  // request timeouts shorter than a slowhttptest phase, so that the phase sees them act.
  const child = spawn(
    process.execPath,
    [
      cli,
      'start',
      app,
      '--port',
      '0',
      '--name',
      'chaos',
      '--info-url',
      '/_gopool',
      '--min-ingress-threads',
      '2',
      '--timeout',
      '1000',
      '--headers-timeout',
      String(HEADERS_TIMEOUT_MS),
      '--request-timeout',
      String(REQUEST_TIMEOUT_MS),
    ],
    {
      cwd,
      env: { ...process.env, GOPOOL_HOME: home, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let rest = '';
  const onData = (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const line of lines) {
      const url = /"msg":"[^"]* listening on [^"]*".*"url":"(http:\/\/[^"]+)"|"url":"(http:\/\/[^"]+)".*"msg":"[^"]* listening on /.exec(line);
      if (url) {
        const found = url[1] ?? url[2]!;
        return { child, port: Number(new URL(found).port), url: found, lines };
      }
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`gopool did not start:\n${lines.join('\n')}`);
}

interface State {
  pid: number;
  restarts: number;
  threadsReplaced: number;
}

async function state(server: Server): Promise<State | undefined> {
  try {
    const r = await fetch(`${server.url}/_gopool`, { signal: AbortSignal.timeout(5000) });
    const s = (await r.json()) as { pid: number; daemon: { restarts: number } | null; pool: { threadsReplaced: number } | null };
    return { pid: s.pid, restarts: s.daemon?.restarts ?? 0, threadsReplaced: s.pool?.threadsReplaced ?? 0 };
  } catch {
    return undefined;
  }
}

/** Log records at level error (50) or above since line `from`. */
function errorsLogged(server: Server, from: number): string[] {
  return server.lines.slice(from).filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return false;
    }
  });
}

// ---- phases ----------------------------------------------------------------------------------

type Counts = Record<Outcome, number>;
const noCounts = (): Counts => ({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, close: 0, reset: 0, hang: 0 });

interface PhaseResult {
  phase: string;
  sent: string;
  counts?: Counts;
  /** What slowhttptest saw, for its phases. */
  slow?: { maxConnected: number; closedByServer: number; openAtEnd: number; exit: string };
  /** Normal requests made during the phase, and how many were answered 2xx. */
  probes: { sent: number; answered: number };
  crashes: number;
  errorsLogged: number;
  answersAfter: boolean;
  notes: string[];
}

/** A normal request every second while `during` runs: does the server still serve others? */
async function probing<T>(port: number, during: Promise<T>): Promise<{ value: T; probes: PhaseResult['probes'] }> {
  const probes = { sent: 0, answered: 0 };
  let done = false;
  const loop = (async () => {
    while (!done) {
      probes.sent++;
      if (await answersNormally(port, ANSWER_MS)) probes.answered++;
      await sleep(1000);
    }
  })();
  const value = await during;
  done = true;
  await loop;
  return { value, probes };
}

async function phase(
  server: Server,
  name: string,
  sent: string,
  body: () => Promise<Omit<PhaseResult, 'phase' | 'sent' | 'crashes' | 'errorsLogged' | 'answersAfter'>>,
): Promise<PhaseResult> {
  console.log(`== ${name}: ${sent}`);
  const before = await state(server);
  const fromLine = server.lines.length;
  const result = await body();
  const answersAfter = await answersNormally(server.port, 5000);
  const after = await state(server);
  // Pool threads replaced are in the metrics; ingress threads lost are only in the log.
  const ingressLost = server.lines.slice(fromLine).filter((line) => /ingress thread \d+ crashed|terminating ingress thread/.test(line)).length;
  const crashes = before && after ? after.restarts - before.restarts + after.threadsReplaced - before.threadsReplaced + ingressLost : Number.NaN;
  const row: PhaseResult = { phase: name, sent, ...result, crashes, errorsLogged: errorsLogged(server, fromLine).length, answersAfter };
  console.log(JSON.stringify(row));
  return row;
}

/** slowhttptest for SLOW_SECONDS, with its per-second CSV read back. */
async function slowhttptest(
  server: Server,
  mode: '-H' | '-B' | '-X',
): Promise<Omit<PhaseResult, 'phase' | 'sent' | 'crashes' | 'errorsLogged' | 'answersAfter'>> {
  const out = join(work, `slow${mode}`);
  const common = ['-c', String(SLOW_CONNECTIONS), '-r', '100', '-p', '3', '-l', String(SLOW_SECONDS), '-g', '-o', out];
  const args = {
    '-H': ['-H', '-i', '5', '-x', '24', '-u', `http://127.0.0.1:${server.port}/hello`],
    '-B': ['-B', '-i', '5', '-s', '8192', '-x', '10', '-t', 'POST', '-f', 'application/json', '-u', `http://127.0.0.1:${server.port}/echo`],
    '-X': ['-X', '-w', '512', '-y', '1024', '-n', '5', '-z', '32', '-k', '3', '-u', `http://127.0.0.1:${server.port}/hello`],
  }[mode];
  const child = spawn('slowhttptest', [...args, ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), (SLOW_SECONDS + 30) * 1000);
  const { probes } = await probing(server.port, new Promise((resolve) => child.on('exit', resolve)));
  clearTimeout(kill);
  const rows = readFileSync(`${out}.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));
  const last = rows.at(-1) ?? [0, 0, 0, 0, 0];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's color escapes from slowhttptest's output
  const exit = /Exit status:\S*\s+(.*)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''))?.[1]?.trim() ?? 'unknown';
  return {
    slow: { maxConnected: Math.max(0, ...rows.map((r) => r[3]!)), closedByServer: last[1]!, openAtEnd: last[3]!, exit },
    probes,
    notes: [],
  };
}

/** Up to `limit` at once. */
async function pooled<T>(items: T[], limit: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

/** zzuf flips bits without changing lengths: a batch of seeds is mutated in one run and cut back apart. */
function fuzzedRequests(count: number): Buffer[] {
  const seeds = (JSON.parse(readFileSync(join(ROOT, 'scripts', 'chaos', 'fuzz-seeds.json'), 'utf8')) as { requests: string[] }).requests.map((s) =>
    Buffer.from(s, 'latin1'),
  );
  const out: Buffer[] = [];
  const perRun = 50;
  for (let run = 0; out.length < count; run++) {
    const batch = Array.from({ length: Math.min(perRun, count - out.length) }, (_, i) => seeds[(run * perRun + i) % seeds.length]!);
    const input = Buffer.concat(batch);
    // A ratio drawn per seed between 0.1% and 3% of the bits.
    const fuzzed = spawnSync('zzuf', ['-s', String(run), '-r', '0.001:0.03'], { input, maxBuffer: 64 * 1024 * 1024 });
    if (fuzzed.status !== 0 || fuzzed.stdout.length !== input.length) throw new Error(`zzuf failed: ${fuzzed.stderr}`);
    let at = 0;
    for (const seed of batch) {
      out.push(fuzzed.stdout.subarray(at, at + seed.length));
      at += seed.length;
    }
  }
  return out;
}

async function fuzz(server: Server): Promise<Omit<PhaseResult, 'phase' | 'sent' | 'crashes' | 'errorsLogged' | 'answersAfter'>> {
  const requests = fuzzedRequests(FUZZ_CASES);
  const counts = noCounts();
  const notes: string[] = [];
  let checked = 0;
  const work = (async () => {
    await pooled(
      requests.map((bytes, i) => ({ bytes, i })),
      16,
      async ({ bytes }) => {
        const r = await sendRaw(server.port, bytes, { waitMs: HANG_MS });
        counts[r.outcome]++;
        if (++checked % 500 === 0 && !(await answersNormally(server.port, 5000))) notes.push(`no normal answer after ${checked} fuzzed requests`);
      },
    );
  })();
  const { probes } = await probing(server.port, work);
  if (counts.hang > 0) notes.push(`${counts.hang} fuzzed requests were neither answered nor closed within ${HANG_MS / 1000} s, past the request timeout`);
  return { counts, probes, notes };
}

/**
 * Each case TRIES times, each on a new connection: the kernel gives a connection to the master or to
 * an ingress thread, and some answers depend on which.
 */
async function malformed(server: Server, cases: CorpusCase[]): Promise<Omit<PhaseResult, 'phase' | 'sent' | 'crashes' | 'errorsLogged' | 'answersAfter'>> {
  const counts = noCounts();
  const notes: string[] = [];
  const work = (async () => {
    for (const c of cases) {
      const wrong = new Map<string, number>();
      for (let i = 0; i < MALFORMED_TRIES; i++) {
        const r = await runCase(server.port, c, HANG_MS);
        counts[r.outcome]++;
        const alive = await answersNormally(server.port, 5000);
        if (!r.ok || !alive) {
          const what = `${r.outcome}${r.status ? ` ${r.status}` : ''}${r.responses > 1 ? ` (${r.responses} responses)` : ''}${alive ? '' : ', then NO normal answer'}`;
          wrong.set(what, (wrong.get(what) ?? 0) + 1);
        }
      }
      if (wrong.size > 0)
        notes.push(
          `${c.name}: ${[...wrong].map(([what, n]) => `${what} ×${n}`).join(', ')} of ${MALFORMED_TRIES} (expected ${c.expect.join('/')})${c.known ? ` [${c.known}]` : ''}`,
        );
    }
  })();
  const { probes } = await probing(server.port, work);
  return { counts, probes, notes };
}

/**
 * Keep-alive clients load /hello while /stuck (an endless loop, timeout 1 s) and /crash (a throw in
 * a timer) are requested every few seconds: only those requests should fail.
 */
async function faultsUnderLoad(server: Server, seconds: number): Promise<Omit<PhaseResult, 'phase' | 'sent' | 'crashes' | 'errorsLogged' | 'answersAfter'>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const counts = noCounts();
  const notes: string[] = [];
  const ask = (path: string, waitMs: number) =>
    new Promise<{ outcome: Outcome; status?: number }>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ outcome: `${Math.floor(res.statusCode! / 100)}xx` as Outcome, status: res.statusCode }));
        res.on('error', () => resolve({ outcome: 'reset' }));
      });
      req.setTimeout(waitMs, () => {
        req.destroy();
        resolve({ outcome: 'hang' });
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ outcome: err.code === 'ECONNRESET' || err.message === 'socket hang up' ? 'reset' : 'close' }));
    });
  const end = Date.now() + seconds * 1000;
  const load = Promise.all(
    Array.from({ length: 32 }, async () => {
      while (Date.now() < end) counts[(await ask('/hello', ANSWER_MS)).outcome]++;
    }),
  );
  const faults: string[] = [];
  const faulty = (async () => {
    for (let i = 0; Date.now() < end - 3000; i++) {
      const path = i % 2 === 0 ? '/stuck' : '/crash';
      const fresh = new http.Agent({ keepAlive: false });
      const r = await new Promise<{ outcome: Outcome; status?: number }>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: server.port, path, agent: fresh }, (res) => {
          res.resume();
          res.on('end', () => resolve({ outcome: `${Math.floor(res.statusCode! / 100)}xx` as Outcome, status: res.statusCode }));
        });
        req.setTimeout(10_000, () => {
          req.destroy();
          resolve({ outcome: 'hang' });
        });
        req.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ outcome: err.code === 'ECONNRESET' || err.message === 'socket hang up' ? 'reset' : 'close' }),
        );
      });
      faults.push(`${path} ${r.status ?? r.outcome}`);
      await sleep(1500);
    }
  })();
  const { probes } = await probing(server.port, Promise.all([load, faulty]));
  agent.destroy();
  notes.push(`the faulty requests got: ${faults.join(', ')} (expected /stuck 504, /crash 5xx)`);
  const lost = counts.reset + counts.close + counts.hang + counts['5xx'];
  if (lost > 0)
    notes.push(
      `${lost} /hello requests of other clients failed with the faulty ones: ${counts['5xx']} answered 5xx, ${counts.reset} reset, ${counts.close} closed, ${counts.hang} unanswered within ${ANSWER_MS / 1000} s`,
    );
  return { counts, probes, notes };
}

// ---- the run ---------------------------------------------------------------------------------

function table(results: PhaseResult[]): string {
  const lines = [
    '| phase | sent | 2xx | 4xx | 5xx | resets | closed, no answer | hangs | crashes | errors logged | normal requests answered during | answers after |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const c = r.counts;
    const slow = r.slow
      ? `max ${r.slow.maxConnected} open, ${r.slow.closedByServer} closed by the server, ${r.slow.openAtEnd} still open at the end (${r.slow.exit})`
      : '';
    lines.push(
      `| ${r.phase} | ${r.sent}${slow ? `: ${slow}` : ''} | ${c ? c['2xx'] + c['1xx'] + c['3xx'] : '–'} | ${c?.['4xx'] ?? '–'} | ${c?.['5xx'] ?? '–'} | ${c?.reset ?? '–'} | ${c?.close ?? '–'} | ${c?.hang ?? '–'} | ${r.crashes} | ${r.errorsLogged} | ${r.probes.answered} / ${r.probes.sent} | ${r.answersAfter ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}

const started = Date.now();
const server = await startServer();
const results: PhaseResult[] = [];
try {
  const { cases } = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'malformed-requests.json'), 'utf8')) as { cases: CorpusCase[] };
  const slowSent = (what: string) => `${SLOW_CONNECTIONS} connections, ${SLOW_SECONDS} s, ${what}`;
  results.push(await phase(server, 'slowhttptest -H (slow headers)', slowSent('a header line every 5 s'), () => slowhttptest(server, '-H')));
  results.push(
    await phase(server, 'slowhttptest -B (slow body)', slowSent('POST /echo, 8 KB announced, a few bytes every 5 s'), () => slowhttptest(server, '-B')),
  );
  results.push(await phase(server, 'slowhttptest -X (slow read)', slowSent('reads 32 bytes every 5 s'), () => slowhttptest(server, '-X')));
  results.push(await phase(server, 'zzuf fuzzing', `${FUZZ_CASES} mutated requests (0.1–3% of bits flipped), 16 at a time`, () => fuzz(server)));
  results.push(
    await phase(server, 'malformed corpus', `${cases.length} malformed or smuggling requests, ${MALFORMED_TRIES} times each`, () => malformed(server, cases)),
  );
  results.push(
    await phase(server, 'faults under load', '32 keep-alive clients on /hello for 15 s; /stuck and /crash in turn', () => faultsUnderLoad(server, 15)),
  );
} finally {
  server.child.kill('SIGTERM');
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

const seconds = Math.round((Date.now() - started) / 1000);
const markdown = [
  `gopool ${FROM === 'dist' ? 'from dist/' : 'from the packed package'}, ingress threads from the start (\`--min-ingress-threads 2\`), handler timeout 1 s, headers timeout ${HEADERS_TIMEOUT_MS / 1000} s, request timeout ${REQUEST_TIMEOUT_MS / 1000} s; Node ${process.version}; \`npm run chaos\`, ${seconds} s in all, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  table(results),
  '',
  ...results.flatMap((r) => r.notes.map((n) => `- ${r.phase}: ${n}`)),
  '',
].join('\n');
console.log(`\n${markdown}`);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'chaos.md'), markdown);
writeFileSync(join(ROOT, 'bench', 'results', 'chaos.json'), `${JSON.stringify({ node: process.version, from: FROM, seconds, results }, null, 1)}\n`);
rmSync(work, { recursive: true, force: true });
// Findings are the report; the exit code says only whether the server kept serving.
if (results.some((r) => !r.answersAfter)) process.exitCode = 1;
