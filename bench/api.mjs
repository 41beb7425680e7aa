#!/usr/bin/env node
// A realistic API, the shape of a production fastify service rather than a hello: a
// RealWorld-like backend (apps/api-handlers.js: users, articles, tags in PostgreSQL, CORS, a
// JWT auth hook with @fastify/jwt, body and querystring schemas, response schemas, a bcrypt
// login), the same handlers on gopool (apps/api-gopool.js), node cluster (one worker per
// CPU) and single fastify (apps/api-fastify-routes.js). The three servers are started once and
// kept running; every route is checked once on each, each is warmed up, then each scenario is
// measured in turns, the servers in a fixed cycle (see the main loop), with wrk:
//   articles  GET /api/articles?limit=20&offset=0 (one joined query: 20 articles with their
//             author, tag list and favorites count; and a count)
//   article   GET /api/articles/:slug
//   feed      GET /api/articles/feed?limit=20 with a JWT (verified in the onRequest hook)
//   tags      GET /api/tags
//   login     POST /api/users/login (bcryptjs compare at cost 8, then a signed JWT)
// req/s, p50/p99, the server's CPU per request (its whole process tree, and by kind of
// thread: lib.mjs startCpu) and its memory under load (RSS summed over the tree, peak).
// Then, for the read routes, CPU per request again from pairs of a fresh gopool and a fresh
// node cluster loaded in turns (PAIR_ROUNDS, 5; PAIR_WARMUP, 10 s; PAIR_SECONDS, 5 s each;
// 0 rounds: none), the steadier figure, from which the CPU targets are read.
// Ratios are the median of each round's own ratios. ROUNDS (5 turns per server and
// scenario), SECONDS (3), WARMUP (15 s of load on each server before the first turn), SETTLE
// (1: each measurement's wrk runs that long before the CPU is read, lib.mjs wrk), SCENARIOS
// (comma-separated, default all five), FROM=bench/results/api.json (the tables again from a
// saved run). Writes bench/results/api.json and the table in bench/README.md between its
// api:start/end markers.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  ensureWrk,
  freePort,
  freshPairInTurns,
  GOPOOL_KINDS,
  gopoolHome,
  installPeers,
  median,
  PROCESS_KINDS,
  saveResults,
  startServer,
  stopServer,
  writeMarkerBlock,
  wrk,
} from './lib.mjs';
import { resetApi, seedApi, startPostgres } from './postgres.mjs';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 3);
const WARMUP = Number(process.env.WARMUP ?? 15);
const SETTLE = Number(process.env.SETTLE ?? 1);
/** Rounds of the read routes' pairs loaded in turns (0: none), their warm-up and their seconds of load each: see "CPU per request, in pairs". */
const PAIR_ROUNDS = Number(process.env.PAIR_ROUNDS ?? 5);
const PAIR_WARMUP = Number(process.env.PAIR_WARMUP ?? 10);
const PAIR_SECONDS = Number(process.env.PAIR_SECONDS ?? 5);
const CPUS = availableParallelism();
const ALL_SCENARIOS = ['articles', 'article', 'feed', 'tags', 'login'];
const READS = ['articles', 'article', 'feed', 'tags'];
const JWT_SECRET = 'bench-api-secret-please-change';
const ORIGIN = 'https://app.bench.example';
const app = (file) => join(root, 'bench', 'apps', file);

const GOPOOL = 'gopool';
const CLUSTER = `node cluster (${CPUS} workers)`;
const FASTIFY = 'fastify (1 process)';

/** FROM=bench/results/api.json: no measuring, the tables again from a saved run. */
const saved = process.env.FROM ? JSON.parse(readFileSync(process.env.FROM, 'utf8')) : undefined;
const SCENARIOS = saved?.scenarios ?? (process.env.SCENARIOS ?? ALL_SCENARIOS.join(',')).split(',');
for (const scenario of SCENARIOS) if (!ALL_SCENARIOS.includes(scenario)) throw new Error(`SCENARIOS: no scenario ${scenario} (${ALL_SCENARIOS.join(', ')})`);
const runs = saved?.runs ?? {};
const checks = saved?.checks ?? {};
/** scenario → rounds of { gopool, cluster }: CPU per request of a fresh pair loaded in turns. */
const pairs = saved?.pairs ?? {};

/** A JWT as @fastify/jwt signs it (HS256), made here with the app's secret: the feed's token whatever the login does. */
function signJwt(payload) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...payload, iat: now, exp: now + 86_400 })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/**
 * Every route once, as a client would call it: what works on this server. A scenario whose
 * route fails here is not measured (a gopool without `request.server` cannot sign a JWT).
 */
async function checkRoutes(url, { token, slug }) {
  const call = async (path, { method = 'GET', body, auth } = {}) => {
    const headers = { origin: ORIGIN, ...(body ? { 'content-type': 'application/json' } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) };
    const response = await fetch(`${url}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: response.status, json, text, cors: response.headers.get('access-control-allow-origin') };
  };
  const result = {};
  const expect = (name, ok, got) => {
    result[name] = ok ? { ok: true } : { ok: false, got: `${got.status} ${got.text.slice(0, 160)}` };
  };
  const login = await call('/api/users/login', { method: 'POST', body: { user: { email: 'user1@bench.example', password: 'password1' } } });
  const issued = login.json?.user?.token;
  const withIssued = issued ? await call('/api/articles/feed', { auth: issued }) : undefined;
  expect('login', login.status === 200 && withIssued?.status === 200, withIssued && login.status === 200 ? withIssued : login);
  const wrong = await call('/api/users/login', { method: 'POST', body: { user: { email: 'user1@bench.example', password: 'wrong' } } });
  expect('login refuses a wrong password', wrong.status === 401, wrong);
  const articles = await call('/api/articles?limit=20&offset=0');
  expect('articles', articles.status === 200 && articles.json?.articles?.length === 20 && articles.cors === ORIGIN, articles);
  const article = await call(`/api/articles/${slug}`);
  expect('article', article.status === 200 && article.json?.article?.slug === slug, article);
  const feed = await call('/api/articles/feed?limit=20', { auth: token });
  expect('feed', feed.status === 200 && feed.json?.articles?.length === 20 && feed.json.articles.every((a) => a.author.following), feed);
  const anonymous = await call('/api/articles/feed');
  expect('feed refuses no token', anonymous.status === 401, anonymous);
  const tags = await call('/api/tags');
  expect('tags', tags.status === 200 && tags.json?.tags?.length === 20, tags);
  const bad = await call('/api/articles?limit=0');
  expect('querystring schema refuses limit=0', bad.status === 400, bad);
  const created = await call('/api/articles', {
    method: 'POST',
    auth: token,
    body: { article: { title: 'How to bench an API', description: 'with wrk', body: 'Measure it side by side.', tagList: ['node', 'fastify'] } },
  });
  expect('create article', created.status === 201 && created.json?.article?.tagList?.join() === 'fastify,node', created);
  const invalid = await call('/api/articles', { method: 'POST', auth: token, body: { article: { title: 'no body' } } });
  expect('body schema refuses a bad article', invalid.status === 400, invalid);
  return result;
}

/** gopool's /_info: tasks its pool threads completed, and its threads by role. */
async function gopoolInfo(url) {
  const info = await (await fetch(`${url}/_info`)).json();
  const threads = { ingress: 0, pool: 0 };
  for (const thread of info.threads ?? []) threads[thread.role] = (threads[thread.role] ?? 0) + 1;
  return { completed: info.pool?.completed ?? 0, threads, started: (info.ingress?.started ?? 0) + (info.pool?.threadsStarted ?? 0) };
}

let database;
let seeded;
if (!saved) {
  ensureWrk();
  installPeers(root);
  database = await startPostgres(await freePort());
  process.on('exit', () => database.stop());
  console.log('seeding the API database');
  seeded = await seedApi(database.url);
}
// The same budget of database connections in all: 10 per cluster worker, PG_BUDGET for gopool's one process.
const env = { DATABASE_URL: database?.url, PG_POOL_MAX: '10', PG_BUDGET: String(10 * CPUS), JWT_SECRET };
const servers = {
  [GOPOOL]: () =>
    startServer(process.execPath, [join(root, 'dist/cli/main.js'), 'start', app('api-gopool.js'), '--port', '0', '--info-url', '/_info'], {
      ...env,
      GOPOOL_HOME: gopoolHome(),
    }),
  [CLUSTER]: async () =>
    startServer(process.execPath, [app('node-cluster.js')], {
      ...env,
      PORT: String(await freePort()),
      WORKERS: String(CPUS),
      BENCH_APP: './api-fastify-routes',
    }),
  [FASTIFY]: () => startServer(process.execPath, [app('fastify-single.js')], { ...env, PORT: '0', BENCH_APP: './api-fastify-routes' }),
};

const token = signJwt({ id: 1, username: 'user1' });
const scenarios = (slug) => ({
  articles: { path: '/api/articles?limit=20&offset=0', connections: 50 },
  article: { path: `/api/articles/${slug}`, connections: 50 },
  feed: { path: '/api/articles/feed?limit=20&offset=0', connections: 50, headers: { authorization: `Bearer ${token}` } },
  tags: { path: '/api/tags', connections: 50 },
  // bcrypt at cost 8 is ~30 ms of CPU: 8 connections keep both cores busy.
  login: { path: '/api/users/login', connections: 8, body: { user: { email: 'user1@bench.example', password: 'password1' } } },
});

// The three servers are started once and kept running, as production servers are, and every
// route is checked once on each. Then they take turns, always in the same cycle: warm-up
// (threads, route costs, and V8's optimizing compiler, which is still at work on the request
// path seconds into the load on every server: --trace-opt; its jobs run on V8's helper
// threads), then for each scenario SCENARIO_WARMUP seconds of its route each and ROUNDS turns
// per server. The machine's drift falls on the
// three alike, and each server waits through the two others' turns only, about ten seconds:
// under gopool's idleTimeout (15 s), so no thread of its retires between turns, which would
// make the next turn pay a new thread's start and its JIT (an order that alternated made the
// server at either end wait four turns).
/** Seconds of one turn of warm-up (about one measured turn: 1 s first contact, SETTLE, SECONDS). */
const TURN_SECONDS = 5;
/** Load on each scenario's route before its first turn (on every server, in the same cycle). */
const SCENARIO_WARMUP = Number(process.env.SCENARIO_WARMUP ?? 10);
const started = {};
const slug = seeded?.slugs[0];
try {
  for (const name of saved ? [] : Object.keys(servers)) {
    started[name] = await servers[name]();
    const checked = await checkRoutes(started[name].url, { token, slug });
    await resetApi(database.url); // the article the check created: every server lists the same page
    checks[name] = checked;
    for (const [check, { ok, got }] of Object.entries(checked)) if (!ok) console.log(`${name}: check "${check}" failed: ${got}`);
  }
  // Warmed in the same cycle as the turns below, TURN_SECONDS at a time.
  for (let warmed = 0; !saved && warmed < WARMUP; warmed += TURN_SECONDS)
    for (const { url, child } of Object.values(started))
      await wrk(`${url}/api/articles?limit=20&offset=0`, { connections: 50, seconds: TURN_SECONDS, headers: { origin: ORIGIN } }, child.pid);
  for (const scenario of saved ? [] : SCENARIOS) {
    const { path, connections, headers = {}, body } = scenarios(slug)[scenario];
    const options = { connections, headers: { origin: ORIGIN, ...headers }, body };
    // The scenario's own route warmed on every server first, in the same cycle: measured after a
    // few seconds of it, a route is still being compiled (gopool's for longer).
    for (let warmed = 0; warmed < SCENARIO_WARMUP; warmed += TURN_SECONDS)
      for (const name of Object.keys(servers))
        if (checks[name][scenario].ok) await wrk(`${started[name].url}${path}`, { ...options, seconds: TURN_SECONDS }, started[name].child.pid);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(servers)) {
        const results = ((runs[name] ??= [])[round] ??= {});
        if (!checks[name][scenario].ok) {
          results[scenario] = { skipped: checks[name][scenario].got };
          continue;
        }
        const { url, child } = started[name];
        // Not measured: load again after the wait through the other servers' turns, and on a
        // route gopool has not measured yet, its first contact: it runs on a pool thread for its
        // cost (starting one if none is left) and comes back inline.
        await wrk(`${url}${path}`, { ...options, seconds: 1 }, child.pid);
        const cpu = name === GOPOOL ? { info: `${url}/_info` } : true;
        const before = name === GOPOOL ? await gopoolInfo(url) : undefined;
        const result = (results[scenario] = await wrk(`${url}${path}`, { ...options, seconds: SECONDS, settle: SETTLE, cpu }, child.pid));
        if (before) {
          // Where gopool ran the handlers: the share that went through the central queue to pool threads.
          const after = await gopoolInfo(url);
          // Threads started during the measurement: each one's start and JIT warm-up are in its CPU.
          result.gopool = {
            poolShare: (after.completed - before.completed) / result.requests,
            threads: after.threads,
            threadsStarted: after.started - before.started,
          };
        }
        console.log(
          `round ${round + 1} ${scenario} ${name}: ${result.rps.toFixed(0)} req/s p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} ms, ${result.cpu.usPerRequest.toFixed(0)} µs CPU/req, peak RSS ${result.peakRssMb.toFixed(0)} MB, errors ${result.errors}${result.gopool ? `, threads started ${result.gopool.threadsStarted}` : ''}`,
        );
      }
    }
  }
} finally {
  for (const { child } of Object.values(started)) await stopServer(child);
}

// CPU per request, in pairs: the turns above leave each server alone on the machine for its
// turn, and the machine's drift between turns moves a round's ratio by a tenth either way. Here,
// for each read route, every round starts a gopool and a node cluster afresh (two starts of one
// server can settle a few percent apart), warms each on the route, then loads them in turns of
// a quarter second (lib.mjs freshPairInTurns, as bench/interleaved.mjs does): the drift falls on both
// alike. Latency means nothing in this phase (a paused wrk's requests wait out the pause).
for (const scenario of saved ? [] : SCENARIOS.filter((s) => READS.includes(s))) {
  if (PAIR_ROUNDS === 0 || !checks[GOPOOL][scenario].ok || !checks[CLUSTER][scenario].ok) continue;
  const { path, connections, headers = {}, body } = scenarios(slug)[scenario];
  const options = { connections, headers: { origin: ORIGIN, ...headers }, body };
  for (let round = 0; round < PAIR_ROUNDS; round++) {
    const gopool = async () => ({ ...(await servers[GOPOOL]()), info: true });
    const [g, c] = await freshPairInTurns([gopool, servers[CLUSTER]], path, { ...options, warmup: PAIR_WARMUP, seconds: PAIR_SECONDS });
    (pairs[scenario] ??= []).push({ gopool: g, cluster: c });
    console.log(
      `pair round ${round + 1} ${scenario}: gopool ${g.usPerRequest.toFixed(0)} ÷ cluster ${c.usPerRequest.toFixed(0)} µs CPU/req = ${(g.usPerRequest / c.usPerRequest).toFixed(3)}, requests ${(g.requests / c.requests).toFixed(3)}×`,
    );
  }
}
database?.stop();

// ---- summary -------------------------------------------------------------------------------
const names = Object.keys(servers);
const measured = (r, s) => r[s] && !r[s].skipped;
const med = (name, pick) => median(runs[name].map(pick));
/** a ÷ b: the median of the ratios within each round (the machine's speed drifts between rounds). */
const ratios = (a, b, pick) => runs[a].map((run, i) => pick(run) / pick(runs[b][i]));
const ratio = (a, b, pick) => median(ratios(a, b, pick));
const value = (scenario, pick) => (r) => (measured(r, scenario) ? pick(r[scenario]) : NaN);
const rps = (scenario) => value(scenario, (x) => x.rps);
const cpu = (scenario) => value(scenario, (x) => x.cpu.usPerRequest);
const peak = (list, key) => (r) => Math.max(...list.filter((s) => measured(r, s)).map((s) => r[s][key]));
const reads = READS.filter((s) => SCENARIOS.includes(s));
const summary = Object.fromEntries(
  names.map((name) => [
    name,
    {
      scenarios: Object.fromEntries(
        SCENARIOS.map((s) => [
          s,
          {
            rps: med(name, rps(s)),
            p50: med(
              name,
              value(s, (x) => x.p50),
            ),
            p99: med(
              name,
              value(s, (x) => x.p99),
            ),
            cpuUs: med(name, cpu(s)),
            kinds: Object.fromEntries(
              (name === GOPOOL ? GOPOOL_KINDS : PROCESS_KINDS).map((k) => [
                k,
                med(
                  name,
                  value(s, (x) => x.cpu.kinds[k]),
                ),
              ]),
            ),
            rolesKnown: runs[name].some((r) => measured(r, s) && r[s].cpu.rolesKnown),
            poolShare:
              name === GOPOOL
                ? med(
                    name,
                    value(s, (x) => x.gopool.poolShare),
                  )
                : NaN,
            threads: name === GOPOOL ? runs[name].find((r) => measured(r, s))?.[s].gopool.threads : undefined,
            threadsStarted:
              name === GOPOOL
                ? runs[name].reduce(
                    (sum, r) => (measured(r, s) && r[s].gopool.threadsStarted !== undefined ? (sum ?? 0) + r[s].gopool.threadsStarted : sum),
                    undefined,
                  )
                : undefined,
            errors: runs[name].reduce((sum, r) => sum + (measured(r, s) ? r[s].errors : 0), 0),
            skipped: runs[name].find((r) => r[s]?.skipped)?.[s].skipped,
            vsCluster: { rps: ratio(name, CLUSTER, rps(s)), cpu: ratio(name, CLUSTER, cpu(s)) },
            vsFastify: { rps: ratio(name, FASTIFY, rps(s)), cpu: ratio(name, FASTIFY, cpu(s)) },
          },
        ]),
      ),
      readsRssMb: med(name, peak(reads, 'peakRssMb')),
      readsFootprintMb: med(name, peak(reads, 'peakFootprintMb')),
      allRssMb: med(name, peak(SCENARIOS, 'peakRssMb')),
      allFootprintMb: med(name, peak(SCENARIOS, 'peakFootprintMb')),
      rssVsCluster: ratio(name, CLUSTER, peak(SCENARIOS, 'peakRssMb')),
      rssVsFastify: ratio(name, FASTIFY, peak(SCENARIOS, 'peakRssMb')),
    },
  ]),
);

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const times = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const g = summary[GOPOOL];
/** gopool's CPU per request ÷ the cluster's in each round of a scenario's pairs. */
const pairRatios = (s) => (pairs[s] ?? []).map(({ gopool, cluster }) => gopool.usPerRequest / cluster.usPerRequest);
const pairScenarios = reads.filter((s) => pairs[s]);
/** [what, measured (the median of the rounds' ratios), bound, at most, the rounds' ratios: its spread]. */
const targets = [
  // From the pairs loaded in turns where they ran: the steadier measure of the two.
  ...reads.map((s) =>
    pairs[s]
      ? [`${s}: CPU per request ≤ 1.05× node cluster's (in pairs)`, median(pairRatios(s)), 1.05, true, pairRatios(s)]
      : [`${s}: CPU per request ≤ 1.05× node cluster's`, g.scenarios[s].vsCluster.cpu, 1.05, true, ratios(GOPOOL, CLUSTER, cpu(s))],
  ),
  ...reads.map((s) => [`${s}: req/s ≥ 1.0× node cluster`, g.scenarios[s].vsCluster.rps, 1.0, false, ratios(GOPOOL, CLUSTER, rps(s))]),
  [
    'memory under load (RSS summed, peak of all scenarios) ≤ 1.0× node cluster',
    g.rssVsCluster,
    1.0,
    true,
    ratios(GOPOOL, CLUSTER, peak(SCENARIOS, 'peakRssMb')),
  ],
];
const date = (saved?.date ?? new Date().toISOString()).slice(0, 10);
const skippedNotes = names.flatMap((name) =>
  SCENARIOS.filter((s) => summary[name].scenarios[s].skipped).map(
    (s) => `${name}, ${s}: not measured, its check failed (${summary[name].scenarios[s].skipped.trim()}).`,
  ),
);
const failedChecks = names.flatMap((name) =>
  Object.entries(checks[name] ?? {})
    .filter(([check, c]) => !c.ok && !ALL_SCENARIOS.includes(check))
    .map(([check, c]) => `${name}: check "${check}" failed (${c.got.trim()}).`),
);
const lines = [
  (saved && saved.method !== 'turns'
    ? `Machine: ${CPUS} CPUs; wrk on 127.0.0.1 (50 connections, login 8), ${saved.seconds} s per measurement${saved.settle ? ` (CPU read over those ${saved.seconds} s, after the same wrk's first ${saved.settle} s on the same connections)` : ''} after ${saved.warmup ?? 3} s of warm-up on each server${!saved.serverByServer ? ' (the servers warmed in turn, then each scenario measured on all three in turn)' : ', then its scenarios back to back, one server after the other'}, median of ${saved.rounds} rounds (\`node bench/api.mjs\`, ${date}, Node ${saved.node}).`
    : `Machine: ${CPUS} CPUs; wrk on 127.0.0.1 (50 connections, login 8); the three servers started once and kept running, then taking turns in a fixed cycle: ${saved?.warmup ?? WARMUP} s of warm-up each, then ${saved && !saved.scenarioWarmup ? 'each scenario in' : `for each scenario ${saved?.scenarioWarmup ?? SCENARIO_WARMUP} s of its route each and`} ${saved?.rounds ?? ROUNDS} turns per server, ${saved?.seconds ?? SECONDS} s measured per turn (CPU read over those ${saved?.seconds ?? SECONDS} s, after the same wrk's first ${saved?.settle ?? SETTLE} s); medians (\`node bench/api.mjs\`, ${date}, Node ${saved?.node ?? process.version}).`) +
    " Ratios: the median of each round's own ratios. CPU: user + system time of the server's whole process tree per request served. Errors: non-2xx answers and socket errors.",
  '',
  '| scenario | server | req/s | × cluster | × fastify | p50 / p99 ms | CPU µs/req | CPU × cluster | CPU × fastify | errors |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...SCENARIOS.flatMap((s) =>
    names.map((name) => {
      const x = summary[name].scenarios[s];
      if (x.skipped) return `| ${s} | ${name} | not measured | | | | | | | |`;
      return `| ${s} | ${name} | ${fmt(x.rps)} | ${times(x.vsCluster.rps)} | ${times(x.vsFastify.rps)} | ${fmt(x.p50, 1)} / ${fmt(x.p99, 1)} | ${fmt(x.cpuUs)} | ${times(x.vsCluster.cpu)} | ${times(x.vsFastify.cpu)} | ${x.errors} |`;
    }),
  ),
  '',
  "CPU µs per request by kind of thread (gopool: accepting = ingress threads, master = the master's main thread, pool = pool threads; the others: workers = each process's main thread; helper = every other thread: V8's, libuv's, gopool's daemon):",
  '',
  '| scenario | server | whole tree | accepting | master | pool | workers | helper |',
  '|---|---|---|---|---|---|---|---|',
  ...SCENARIOS.flatMap((s) =>
    names
      .filter((name) => !summary[name].scenarios[s].skipped)
      .map((name) => {
        const x = summary[name].scenarios[s];
        const kind = (k) => (k in x.kinds ? (name === GOPOOL && k !== 'master' && k !== 'helper' && !x.rolesKnown ? 'n/a' : fmt(x.kinds[k])) : '–');
        return `| ${s} | ${name} | ${fmt(x.cpuUs)} | ${kind('accepting')} | ${kind('master')} | ${kind('pool')} | ${kind('workers')} | ${kind('helper')} |`;
      }),
  ),
  ...(g && reads.some((s) => !g.scenarios[s].rolesKnown)
    ? ['', "n/a: this gopool's /_info gives no Linux tid for its threads, so its ingress and pool threads are counted under helper."]
    : []),
  '',
  "Where gopool ran the handlers (from its /_info: tasks its pool threads completed during the run ÷ requests served; the threads alive at the run's end; threads started during the runs, all rounds: a new thread's start and JIT warm-up are in that run's CPU):",
  '',
  '| scenario | run on pool threads | threads: ingress + pool | threads started during the runs |',
  '|---|---|---|---|',
  ...SCENARIOS.filter((s) => !g.scenarios[s].skipped).map(
    (s) =>
      `| ${s} | ${fmt(g.scenarios[s].poolShare * 100)}% | ${g.scenarios[s].threads ? `${g.scenarios[s].threads.ingress} + ${g.scenarios[s].threads.pool}` : '–'} | ${g.scenarios[s].threadsStarted ?? '–'} |`,
  ),
  '',
  '| server | under load RSS / footprint MB (reads) | (all scenarios) | RSS × cluster | RSS × fastify |',
  '|---|---|---|---|---|',
  ...names.map(
    (name) =>
      `| ${name} | ${fmt(summary[name].readsRssMb)} / ${fmt(summary[name].readsFootprintMb)} | ${fmt(summary[name].allRssMb)} / ${fmt(summary[name].allFootprintMb)} | ${times(summary[name].rssVsCluster)} | ${times(summary[name].rssVsFastify)} |`,
  ),
  ...(pairScenarios.length > 0
    ? [
        '',
        `CPU per request in pairs: for each read route, ${pairs[pairScenarios[0]].length} rounds, each starting a gopool and a node cluster afresh, warming each ${saved?.pairWarmup ?? PAIR_WARMUP} s on the route, then loading them in turns of a quarter second for ${saved?.pairSeconds ?? PAIR_SECONDS} s each (lib.mjs loadInTurns): the machine's drift falls on both alike. Requests: what gopool served ÷ what the cluster served in the same wall time.`,
        '',
        '| scenario | gopool CPU µs/req | node cluster | × (median of the rounds) | the rounds | requests × |',
        '|---|---|---|---|---|---|',
        ...pairScenarios.map((s) => {
          const rounds = pairs[s];
          const us = (who) => fmt(median(rounds.map((r) => r[who].usPerRequest)));
          return `| ${s} | ${us('gopool')} | ${us('cluster')} | ${times(median(pairRatios(s)))} | ${pairRatios(s)
            .map((x) => fmt(x, 2))
            .join(', ')} | ${times(median(rounds.map((r) => r.gopool.requests / r.cluster.requests)))} |`;
        }),
      ]
    : []),
  '',
  "| gopool target (median of the rounds' ratios) | measured | the rounds | met |",
  '|---|---|---|---|',
  ...targets.map(
    ([what, r, bound, atMost, rounds]) =>
      `| ${what} | ${times(r)} | ${rounds.map((x) => fmt(x, 2)).join(', ')} | ${!Number.isFinite(r) ? '–' : (atMost ? r <= bound : r >= bound) ? 'yes' : 'no'} |`,
  ),
  ...(skippedNotes.length + failedChecks.length > 0 ? ['', ...skippedNotes, ...failedChecks] : []),
];
const table = lines.join('\n');
console.log(`\n${table}`);
if (!saved)
  saveResults('api', {
    date: new Date().toISOString(),
    node: process.version,
    cpus: CPUS,
    rounds: ROUNDS,
    seconds: SECONDS,
    warmup: WARMUP,
    scenarioWarmup: SCENARIO_WARMUP,
    method: 'turns',
    settle: SETTLE,
    pairWarmup: PAIR_WARMUP,
    pairSeconds: PAIR_SECONDS,
    pairs,
    scenarios: SCENARIOS,
    checks,
    summary,
    targets,
    runs,
  });
writeMarkerBlock('api', table);
