/**
 * Entry of an ingress thread. It loads the user's app file like a pool thread, builds the
 * same app the master serves (the app's plugins, hooks, schemas; gopool's routes), and serves
 * HTTP itself on its own descriptor of the listening socket: cheap routes run right here (no
 * thread crossing at all), the rest goes to the master (see protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InlineDispatcher } from '../../dispatch/inline-dispatcher';
import type { Placement } from '../../dispatch/placement';
import { RouteCosts } from '../../dispatch/route-costs';
import { SyncWatch } from '../../dispatch/sync-watch';
import { loadThreadApp, reportHeap, type ThreadApp } from '../../dispatch/thread-start';
import { ERR_HANDLER_INTERRUPTED, ERR_MASTER_UNREACHABLE } from '../../errors';
import { RequestTally } from '../../monitoring/request-tally';
import { countEnabledAsyncHooks } from '../../runtime/async-hooks-count';
import { createLogger } from '../../runtime/logger';
import { claimRole } from '../../runtime/realm';
import { osThreadId } from '../../runtime/thread-cpu';
import { ConnectionCount } from '../connection-balance';
import { drainHttpServer } from '../drain';
import { listenOnDescriptor } from '../listen';
import { ConnectionShedder } from '../shed-connections';
import { endAnsweredUpgrades } from '../upgraded-sockets';
import { ingressApp } from './ingress-app';
import { MasterLink } from './master-link';
import { FromIngress, type IngressData, type InjectRequest, type InjectResponse } from './protocol';

claimRole('thread');
const data = workerData as IngressData;
const log = createLogger(data.options.logLevel, 'ingress');
const syncWatch = new SyncWatch(data.syncBuffer, data.routeKeys);
/** What routes cost: the pool's answers and this thread's inline runs feed it, placement reads it. */
const costs = new RouteCosts();
/** Set once the app is mounted: the master's word on placement goes to it. */
let placement: Placement<InlineDispatcher> | undefined;
/** Whether the pool has a ready thread, as last told (it may be told before placement exists). */
let poolReady = false;
/** Set once the thread listens. */
let shedder: ConnectionShedder | undefined;
/** Set once the thread listens; a drain asked before that waits for it. */
let drain: ((graceMs: number) => void) | undefined;
let drainAsked: number | undefined;
const link = new MasterLink(parentPort!, {
  cost: (routeKey, syncMs, asyncMs) => placement?.learn(routeKey, syncMs, asyncMs),
  poolReady: (ready) => {
    poolReady = ready;
    placement?.canProbe(ready);
  },
  pin: (routeKey) => (placement ? placement.pin(routeKey) : data.pinned.push(routeKey)),
  shed: (count) => (count < 0 ? shedder?.shedAll() : shedder?.shed(count)),
  drain: (graceMs) => (drain ? drain(graceMs) : (drainAsked = graceMs)),
  // The master cut a stuck handler short (its route is pinned to the pool and this thread
  // drained next): the request it ran gets its 504, every other connection carries on.
  interrupted: () => {
    const cut = syncWatch.takeInterrupted();
    if (!cut) return;
    log.error({ route: cut.routeKey, ranMs: cut.ranMs }, `the handler of ${cut.routeKey} ran synchronously past its timeout and was stopped`);
    cut.cancel?.fail?.(new ERR_HANDLER_INTERRUPTED(cut.routeKey, cut.ranMs));
  },
});
// Before the app loads: hooks it enables count too (see runtime/async-hooks-count.ts).
countEnabledAsyncHooks((enabled) => syncWatch.hooksEnabled(enabled));
/** How often request counts go to the master's metrics. */
const TALLY_EVERY_MS = 500;

async function main(): Promise<void> {
  let served: { app: FastifyInstance; thread: ThreadApp };
  try {
    served = await serve();
  } catch (err) {
    link.post([FromIngress.Fatal, err instanceof Error ? err.message : String(err)]);
    return;
  }
  const { app, thread } = served;
  shedder = new ConnectionShedder(app.server, new ConnectionCount(data.connectionsBuffer));
  link.post([FromIngress.Listening, osThreadId()]);
  const heap = reportHeap((used, total) => link.post([FromIngress.Heap, used, total]));
  drain = (graceMs) => {
    clearInterval(heap);
    void drainHttpServer(app.server, graceMs)
      .then(() => app.close())
      .then(() => thread.stop())
      .then(() => {
        flushTally();
        link.post([FromIngress.Drained]);
        link.close();
      });
  };
  if (drainAsked !== undefined) drain(drainAsked);
}

let tally: RequestTally | undefined;

function flushTally(): void {
  const rows = tally?.take() ?? [];
  if (rows.length > 0) link.post([FromIngress.Requests, rows]);
}

async function serve(): Promise<{ app: FastifyInstance; thread: ThreadApp }> {
  const thread = await loadThreadApp(data.appFile, data.routeKeys, data.ctx, 'ingress', data.options, log);
  let counts: RequestTally | undefined;
  if (data.options.metrics) {
    counts = tally = new RequestTally();
    setInterval(flushTally, TALLY_EVERY_MS).unref();
  }
  const app = await ingressApp({
    thread,
    options: data.options,
    log,
    ctx: data.ctx,
    tls: data.tls,
    costs,
    syncWatch,
    pool: link.to('pool'),
    master: link.to('master'),
    onAnswered: counts?.record.bind(counts),
    placed: (placed) => {
      placement = placed;
      for (const routeKey of data.pinned) placed.pin(routeKey);
      for (const [routeKey, syncMs, asyncMs] of data.costs) placed.learn(routeKey, syncMs, asyncMs);
      placed.canProbe(poolReady);
      // An exception nothing caught (a throw in a timer a handler left): the thread's state is in
      // doubt, so it asks to be replaced and drains; a request it can blame gets a 500 now, and
      // every other request and connection finishes here or moves to another thread.
      process.on('uncaughtException', (err) => {
        const blamed = placed.here.crashedWhileRunning();
        log.error(
          { err, route: blamed },
          `an exception nothing caught${blamed ? ` (from the handler of ${blamed})` : ''}; this ingress thread will be replaced`,
        );
        link.post([FromIngress.Faulted, blamed ?? '', err instanceof Error ? err.message : String(err)]);
      });
    },
  });
  await app.register(forwardToMaster);
  await listenOnDescriptor(app, data.fd, data.options);
  return { app, thread };
}

/** Hop-by-hop and length headers: this thread's own server sets them for its connection. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * A request's headers as the master's fastify takes them: HTTP/2's pseudo-headers (`:path`,
 * `:authority`...) are no header names to an HTTP/1 request, and `:authority` is its `host`.
 */
function forwardedHeaders(headers: FastifyRequest['headers']): InjectRequest['headers'] {
  const out: InjectRequest['headers'] = {};
  for (const [name, value] of Object.entries(headers)) if (name.charCodeAt(0) !== 0x3a) out[name] = value;
  const authority = headers[':authority'];
  if (out.host === undefined && typeof authority === 'string') out.host = authority;
  return out;
}

/**
 * Routes only the master has (added in onMaster; monitoring on the public port) are handed to
 * the master's fastify as they came (Inject), body unparsed: the master runs its own hooks and
 * parsers on them. Their own scope, outside the app's, so nothing runs twice.
 */
async function forwardToMaster(scope: FastifyInstance): Promise<void> {
  // An upgrade request for one of these (a WebSocket route added in onMaster) gets the master's
  // plain answer: a request handed over cannot carry an upgrade.
  endAnsweredUpgrades(scope);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const routes = new Map<string, Set<string>>();
  for (const { method, url } of data.masterRoutes) {
    const methods = routes.get(url) ?? new Set<string>();
    methods.add(method);
    routes.set(url, methods);
  }
  if (data.options.infoUrl) {
    const base = data.options.infoUrl.replace(/\/+$/, '');
    for (const url of [base || '/', `${base}/*`]) routes.set(url, new Set([...(routes.get(url) ?? []), 'GET', 'HEAD']));
  }
  for (const [url, methods] of routes) scope.route({ method: [...methods], url, exposeHeadRoute: false, handler: forward });
}

async function forward(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const body = req.body instanceof Uint8Array ? req.body : undefined;
  const request: InjectRequest = { id: req.id, method: req.method, url: req.url, headers: forwardedHeaders(req.headers), body };
  let response: InjectResponse;
  try {
    response = await link.inject(request);
  } catch (err) {
    log.error({ reqId: req.id, err }, 'the master could not answer a forwarded request');
    throw new ERR_MASTER_UNREACHABLE();
  }
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name)) reply.header(name, value);
  }
  reply.code(response.status).send(Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength));
}

void main();
