import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppDefinition } from '../api/app-definition';
import { topics } from '../api/topics';
import type { AppCallbacks, GopoolContext, RunningServer, ThreadLifecycleArgs } from '../api/types';
import { cpuCount } from '../config/cpu-count';
import type { GopoolOptions } from '../config/options';
import { InlineDispatcher } from '../dispatch/inline-dispatcher';
import { Placement } from '../dispatch/placement';
import { ThreadPool } from '../dispatch/pool/thread-pool';
import { ResponseSerializers } from '../dispatch/response-serializers';
import { handlerThreadCount, ingressThreadsMax, lifecycleArgs } from '../dispatch/thread-share';
import { ERR_NOT_TCP } from '../errors';
import { NO_ROUTE } from '../ingress/answer-counts';
import { boundUrl, createFastify, FORWARDED_ID_HEADER } from '../ingress/create-fastify';
import { drainHttpServer } from '../ingress/drain';
import type { Listen } from '../ingress/listen';
import { mountApp } from '../ingress/mount-app';
import { IngressThreads } from '../ingress/threads/ingress-threads';
import type { InjectRequest, InjectResponse, MasterRoute } from '../ingress/threads/protocol';
import type { TlsFiles } from '../ingress/tls-files';
import { endAnsweredUpgrades } from '../ingress/upgraded-sockets';
import { monitoringEndpoints } from '../monitoring/endpoints';
import { Metrics } from '../monitoring/metrics';
import type { Logger } from '../runtime/logger';
import type { TcpHandle } from '../supervision/listen-socket';
import { startMonitorPort } from './monitor-port';
import { checkCloneable, onMasterScope, webSocketOnMasterWarning } from './on-master';

interface CommonArgs {
  gopool: AppCallbacks;
  definition: AppDefinition;
  options: GopoolOptions;
  log: Logger;
  /** The key and certificate read at this start (ingress/tls-files.ts): HTTPS on the public port. */
  tls?: TlsFiles | undefined;
}

export interface SingleArgs extends CommonArgs {
  /** How this thread gets its listening socket: its own bind, or the daemon's socket. */
  listen: Listen;
}

export interface MasterArgs extends CommonArgs {
  appFile: string;
  /** Descriptors of the daemon's listening socket, one per ingress thread. */
  descriptors: () => Promise<TcpHandle>;
}

export interface Server extends RunningServer {
  pool: ThreadPool | undefined;
  ingress: IngressThreads | undefined;
  metrics: Metrics;
}

/**
 * Single mode: this thread accepts the connections and runs every handler itself, with the
 * app's set-up, gopool's routes and `onMaster` on one fastify.
 */
export async function startSingle({ gopool, definition, options, log, listen, tls }: SingleArgs): Promise<Server> {
  topics().log = log;
  const app = createFastify(options, log, { role: 'single', tls, appCode: definition.hasAppCode || gopool.onMaster !== undefined });
  const metrics = new Metrics(options.name, 'single');
  const ctx: GopoolContext = {};
  const here = new InlineDispatcher(definition.routes.list(), ctx, log, new ResponseSerializers(definition.sharedSchemas));
  await mountApp(app, {
    definition,
    options,
    log,
    routes: {
      placement: new Placement({ role: 'single', cheapRouteMs: options.cheapRouteMs, here }),
      headerGetter: gopool.headerGetter,
      requestGetter: gopool.requestGetter,
      defaultTimeout: options.timeout,
    },
    // Counted where the handlers answer (an onResponse hook would cost every request). onMaster's
    // own routes sit in the app's scope too, whose other answers are counted the same way
    // (answer-counts.ts): a hook of their own counted each of them a second time.
    ...(options.metrics ? { onAnswered: (method: string, path: string, status: number, ms: number) => metrics.recordRequest(method, path, status, ms) } : {}),
    masterScope: onMasterScope(gopool, ctx, [], log),
  });
  if (options.infoUrl) {
    const endpoints = monitoringEndpoints(metrics, { prefix: options.infoUrl, token: options.monitorToken });
    await app.register(async (scope) => {
      endAnsweredUpgrades(scope);
      await scope.register(endpoints);
    });
  }
  await app.ready(); // runs onMaster: ctx is built
  if (typeof gopool.onThreadStart === 'function') await gopool.onThreadStart(lifecycleArgs(ctx, 'single', options.cpus, 1));
  await listen(app, options);
  const { url, port } = boundUrl(app, tls !== undefined);
  let state: 'serving' | 'draining' = 'serving';
  metrics.ready = () => state === 'serving';
  metrics.start(undefined, url);
  const monitor = options.monitorPort ? startMonitorPort(metrics, options, log) : undefined;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    pool: undefined,
    ingress: undefined,
    metrics,
    close() {
      closing ??= (async () => {
        state = 'draining';
        await monitor?.close();
        await drainHttpServer(app.server, options.gracePeriod);
        await app.close();
        await stopHook(gopool, lifecycleArgs(ctx, 'single', options.cpus, 1), log);
        topics().release();
        metrics.stop();
      })();
      return closing;
    },
  };
}

/**
 * Pool mode: the master coordinates and never accepts a connection of the public port itself.
 * Ingress threads accept them (at least one, from the start, more under load), run cheap
 * handlers where they accepted them and hand the rest to the central queue of the pool
 * threads, or to this thread (`runOn: "master"` routes). The master's own fastify holds the
 * app's set-up, `onMaster`'s routes and the monitoring endpoints; ingress threads forward
 * requests for those routes to it.
 */
export async function startMaster({ gopool, definition, options, log, appFile, descriptors, tls }: MasterArgs): Promise<Server> {
  topics().log = log;
  const app = createFastify(options, log, { role: 'master', appCode: true });
  const metrics = new Metrics(options.name, 'pool');
  if (options.metrics) recordRequests(app, metrics);
  const ctx: GopoolContext = {};
  const masterRoutes: MasterRoute[] = [];
  const routes = definition.routes.list();
  let appScope: FastifyInstance | undefined;
  // A runOn "master" handler's server is the app's scope on this thread, known once mounted.
  const here = new InlineDispatcher(routes, ctx, log, new ResponseSerializers(definition.sharedSchemas), { server: () => appScope! });
  await mountApp(app, {
    definition,
    options,
    log,
    masterScope: onMasterScope(gopool, ctx, masterRoutes, log, (route) => log.warn({ route: `${route.method} ${route.url}` }, webSocketOnMasterWarning(route))),
    onAppScope: (scope) => {
      appScope = scope;
    },
  });
  if (options.infoUrl) await app.register(monitoringEndpoints(metrics, { prefix: options.infoUrl, token: options.monitorToken }));
  await app.ready(); // runs onMaster: ctx is built, the master's routes are known
  checkCloneable(ctx);
  // This thread runs the handlers of runOn "master" routes itself.
  const runsHandlers = routes.some((route) => route.options.runOn === 'master');
  if (runsHandlers && typeof gopool.onThreadStart === 'function')
    await gopool.onThreadStart(lifecycleArgs(ctx, 'master', options.cpus, handlerThreadCount(options, routes)));
  const pool = routes.some((route) => route.options.runOn !== 'master')
    ? createPool(definition, options, log, appFile, ctx, options.metrics ? metrics : undefined)
    : undefined;
  const first = await descriptors();
  const { url, port } = handleUrl(first, tls !== undefined);
  const ingress = createIngress({ definition, options, log, appFile, ctx, app, pool, here, masterRoutes, metrics, first, descriptors, tls });
  // The first pool thread and the first ingress thread load the app at the same time: the
  // master is ready (and a restarted one serves) the sooner.
  const started = await Promise.allSettled([pool?.start(), ingress.start()]);
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await Promise.all([ingress.close(0), pool?.close(0)]);
    throw failed.reason; // GOPOOL_ERR_THREADS_FAILED, with the thread's reason
  }
  let state: 'serving' | 'draining' = 'serving';
  metrics.ready = () => state === 'serving' && ingress.listening > 0 && (pool?.canServe() ?? true);
  metrics.start(pool, url, ingress);
  const monitor = options.monitorPort ? startMonitorPort(metrics, options, log) : undefined;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    pool,
    metrics,
    ingress,
    close() {
      closing ??= (async () => {
        state = 'draining'; // /readyz answers 503 from now on
        const deadline = Date.now() + options.gracePeriod;
        await monitor?.close(); // first, so that a reloaded master can take the port over
        await ingress.close(options.gracePeriod);
        await app.close(); // runs the onClose hooks of the app's plugins
        await pool?.close(Math.max(0, deadline - Date.now()));
        if (runsHandlers) await stopHook(gopool, lifecycleArgs(ctx, 'master', options.cpus, handlerThreadCount(options, routes)), log);
        topics().release();
        metrics.stop();
      })();
      return closing;
    },
  };
}

async function stopHook(gopool: AppCallbacks, args: ThreadLifecycleArgs, log: Logger): Promise<void> {
  if (typeof gopool.onThreadStop !== 'function') return;
  try {
    await gopool.onThreadStop(args);
  } catch (err) {
    log.error({ err }, 'onThreadStop failed');
  }
}

/** The URL clients use, from the address the daemon's socket is bound to (port 0 becomes a number). */
function handleUrl(handle: TcpHandle, secure: boolean): { url: string; port: number } {
  const address: { address?: string; port?: number; family?: string } = {};
  handle.getsockname(address);
  if (typeof address.address !== 'string' || typeof address.port !== 'number') throw new ERR_NOT_TCP();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `${secure ? 'https' : 'http'}://${host}:${address.port}`, port: address.port };
}

/** One hook for every request this thread answers, monitoring's own excepted. */
function recordRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions;
    if ((route.config as { gopoolInternal?: boolean } | undefined)?.gopoolInternal !== true) {
      metrics.recordRequest(req.method, route.url ?? NO_ROUTE, reply.statusCode, reply.elapsedTime);
    }
    done();
  });
}

function createPool(
  definition: AppDefinition,
  options: GopoolOptions,
  log: Logger,
  appFile: string,
  ctx: GopoolContext,
  metrics: Metrics | undefined,
): ThreadPool {
  return new ThreadPool({
    threadFile: join(__dirname, '..', 'dispatch', 'pool', 'thread-main.js'),
    threadData: { appFile, ctx, options, routeKeys: definition.routes.list().map((route) => route.key) },
    minThreads: options.minThreads,
    maxThreads: options.maxThreads,
    maxQueue: options.maxQueue,
    idleTimeout: options.idleTimeout,
    concurrency: options.concurrency,
    cpus: options.cpus,
    maxThreadMemory: options.maxThreadMemory,
    youngGenerationMb: options.youngGenerationMb,
    log,
    ...(metrics ? { onTaskTimes: (waitMs: number, runMs: number) => metrics.recordTask(waitMs, runMs) } : {}),
  });
}

interface IngressArgs {
  definition: AppDefinition;
  options: GopoolOptions;
  log: Logger;
  appFile: string;
  ctx: GopoolContext;
  app: FastifyInstance;
  pool: ThreadPool | undefined;
  here: InlineDispatcher;
  masterRoutes: MasterRoute[];
  metrics: Metrics;
  /** The descriptor the master got first: the first ingress thread's. */
  first: TcpHandle;
  descriptors: () => Promise<TcpHandle>;
  tls: TlsFiles | undefined;
}

function createIngress({
  definition,
  options,
  log,
  appFile,
  ctx,
  app,
  pool,
  here,
  masterRoutes,
  metrics,
  first,
  descriptors,
  tls,
}: IngressArgs): IngressThreads {
  let spare: TcpHandle | undefined = first;
  return new IngressThreads({
    threadFile: join(__dirname, '..', 'ingress', 'threads', 'ingress-main.js'),
    data: { appFile, ctx, options, routeKeys: definition.routes.list().map((route) => route.key), masterRoutes, tls },
    max: ingressThreadsMax(options),
    min: Math.max(1, Math.min(options.minIngressThreads, options.ingressThreads, options.cpus)),
    idleTimeout: options.idleTimeout,
    stuckAfter: Math.max(options.timeout, 5000),
    gracePeriod: options.gracePeriod,
    maxThreadMemory: options.maxThreadMemory,
    youngGenerationMb: options.youngGenerationMb,
    requestDescriptor: () => {
      const handle = spare;
      spare = undefined;
      return handle ? Promise.resolve(handle) : descriptors();
    },
    targets: { pool, master: here },
    costOf: (routeKey) => pool?.expectedCost(routeKey),
    poolReady: () => pool?.hasReadyThread ?? false,
    inject: (request) => injectIntoMaster(app, request),
    onRequests: options.metrics ? (rows) => metrics.recordTally(rows) : undefined,
    detectedCpus: cpuCount(),
    // The load is the accepting threads': pool threads idle for a second meanwhile retire at
    // once rather than after idleTimeout (their memory, and the probes they would take).
    onBusy: pool ? () => pool.trimIdle(TRIM_IDLE_AFTER_MS) : undefined,
    log,
  });
}

/** How long a pool thread must have been idle to retire early while the accepting threads are busy. */
const TRIM_IDLE_AFTER_MS = 1000;

/** Headers that describe the thread's connection or the original body's framing, not the request. */
const NOT_INJECTED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

async function injectIntoMaster(app: FastifyInstance, request: InjectRequest): Promise<InjectResponse> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !NOT_INJECTED.has(name)) headers[name] = value;
  headers[FORWARDED_ID_HEADER] = request.id;
  const response = await app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers,
    ...(request.body !== undefined ? { payload: Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
}
