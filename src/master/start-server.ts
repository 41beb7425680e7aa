import { join } from 'node:path';
import { cpuCount } from '../config/cpu-count';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AppDefinition } from '../api/app-definition';
import type { AppCallbacks, GopoolContext, RunningServer } from '../api/types';
import type { GopoolOptions } from '../config/options';
import { InlineDispatcher } from '../dispatch/inline-dispatcher';
import { Placement, type PlacementTargets } from '../dispatch/placement';
import { ThreadPool } from '../dispatch/pool/thread-pool';
import { ResponseSerializers } from '../dispatch/response-serializers';
import { boundUrl, createFastify } from '../ingress/create-fastify';
import { drainHttpServer } from '../ingress/drain';
import type { Listen } from '../ingress/listen';
import { mountApp } from '../ingress/mount-app';
import { ConnectionShedder } from '../ingress/shed-connections';
import { IngressThreads } from '../ingress/threads/ingress-threads';
import type { InjectRequest, InjectResponse } from '../ingress/threads/protocol';
import type { TcpHandle } from '../supervision/listen-socket';
import type { Logger } from '../runtime/logger';
import { monitoringEndpoints } from '../monitoring/endpoints';
import { Metrics } from '../monitoring/metrics';
import { startMonitorPort } from '../monitoring/monitor-port';
import { checkCloneable, onMasterScope, type MasterRoute } from './on-master';

/** How long a pool thread must have been idle to retire early when ingress threads start. */
const TRIM_IDLE_AFTER_MS = 1000;

export interface ServerArgs {
  gopool: AppCallbacks;
  definition: AppDefinition;
  options: GopoolOptions;
  log: Logger;
  appFile: string;
  mode: 'pool' | 'single';
  listen: Listen;
  /** Supervised: more descriptors of the daemon's socket, one per ingress thread. */
  descriptors?: () => Promise<TcpHandle>;
}

export interface Server extends RunningServer {
  pool: ThreadPool | undefined;
  ingress: IngressThreads | undefined;
  metrics: Metrics;
}

/**
 * The serving process: builds the app on its fastify (the app's set-up, gopool's routes,
 * `onMaster` in its own scope), starts the pool (pool mode: it loads the app file in a thread
 * to prove it can), listens, then lets ingress threads accept beside it under load. Single mode
 * runs every handler inline on this thread instead.
 */
export async function startServer({ gopool, definition, options, log, appFile, mode, listen, descriptors }: ServerArgs): Promise<Server> {
  const role = mode === 'single' ? 'single' : 'master';
  const app = createFastify(options, log, { role });
  // Hands the master's connections to ingress threads while they listen (and lets a
  // pipelining client have every answer first). Not on a streamed response: it may be cut
  // midway, and a client reads a cut Connection: close response as whole (undici's fetch
  // does); nor before the request's body is all in (a 413): closing would fail the client's
  // upload before it reads the answer. Such a connection moves with its next response.
  const shedder = new ConnectionShedder(app.server);
  if (mode === 'pool' && options.ingressThreads > 0) {
    app.addHook('onSend', (req, reply, payload, done) => {
      if (req.raw.complete && !(payload instanceof Readable)) shedder.beforeHeaders(req.raw, reply.raw);
      done(null, payload);
    });
  }
  const metrics = new Metrics(options.name, mode);
  if (options.metrics) recordRequests(app, metrics);
  const ctx: GopoolContext = {};
  const masterRoutes: MasterRoute[] = [];
  const routes = definition.routes.list();
  const here = new InlineDispatcher(routes, ctx, log, new ResponseSerializers(definition.sharedSchemas));
  const targets: PlacementTargets = { role, cheapRouteMs: options.cheapRouteMs, here };
  await mountApp(app, {
    definition,
    options,
    placement: new Placement(targets),
    headerGetter: gopool.headerGetter,
    requestGetter: gopool.requestGetter,
    defaultTimeout: options.timeout,
    masterScope: onMasterScope(gopool, ctx, masterRoutes),
  });
  if (options.infoUrl) await app.register(monitoringEndpoints(metrics, { prefix: options.infoUrl, token: options.monitorToken }));
  await app.ready(); // runs onMaster: ctx is built, the master's routes are known
  if (mode === 'pool') checkCloneable(ctx);
  // This thread runs handlers itself in single mode, and for runOn "master" routes.
  const runsHandlers = mode === 'single' || routes.some((route) => route.options.runOn === 'master');
  if (runsHandlers && typeof gopool.onThreadStart === 'function') await gopool.onThreadStart({ ctx, role, cpus: options.cpus });
  const pool =
    mode === 'pool' && routes.some((route) => route.options.runOn !== 'master')
      ? createPool(definition, options, log, appFile, ctx, options.metrics ? metrics : undefined)
      : undefined;
  if (pool) {
    try {
      await pool.start();
    } catch (err) {
      await pool.close(0);
      throw err; // the pool's GOPOOL_ERR_THREADS_FAILED, with the thread's reason
    }
    targets.pool = pool;
  }
  try {
    await listen(app, options);
  } catch (err) {
    await pool?.close(0);
    throw err;
  }
  const { url, port } = boundUrl(app);
  const ingress =
    mode === 'pool' && descriptors && options.ingressThreads > 0
      ? createIngress({ definition, options, log, appFile, ctx, app, pool, here, masterRoutes, metrics, descriptors, shedder })
      : undefined;
  await ingress?.start();
  let state: 'serving' | 'draining' = 'serving';
  metrics.ready = () => state === 'serving' && (pool?.canServe() ?? true);
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
        await Promise.all([drainHttpServer(app.server, options.gracePeriod), ingress?.close(options.gracePeriod)]);
        await app.close(); // runs the onClose hooks of the app's plugins
        await pool?.close(Math.max(0, deadline - Date.now()));
        if (runsHandlers && typeof gopool.onThreadStop === 'function') {
          try {
            await gopool.onThreadStop({ ctx, role, cpus: options.cpus });
          } catch (err) {
            log.error({ err }, 'onThreadStop failed');
          }
        }
        metrics.stop();
      })();
      return closing;
    },
  };
}

/** One hook for every request the master answers, monitoring's own excepted. */
function recordRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions;
    if ((route.config as { gopoolInternal?: boolean } | undefined)?.gopoolInternal !== true) {
      metrics.recordRequest(req.method, route.url ?? '(no route)', reply.statusCode, reply.elapsedTime);
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
    threadData: { appFile, ctx, cpus: options.cpus, logLevel: options.logLevel, routeKeys: definition.routes.list().map((route) => route.key) },
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
  descriptors: () => Promise<TcpHandle>;
  shedder: ConnectionShedder;
}

function createIngress({ definition, options, log, appFile, ctx, app, pool, here, masterRoutes, metrics, descriptors, shedder }: IngressArgs): IngressThreads {
  return new IngressThreads({
    threadFile: join(__dirname, '..', 'ingress', 'threads', 'ingress-main.js'),
    data: { appFile, ctx, options, routeKeys: definition.routes.list().map((route) => route.key), masterRoutes },
    // More accepting threads than CPUs could only share the same cores.
    max: Math.min(options.ingressThreads, options.cpus),
    min: options.minIngressThreads,
    idleTimeout: options.idleTimeout,
    stuckAfter: Math.max(options.timeout, 5000),
    gracePeriod: options.gracePeriod,
    maxThreadMemory: options.maxThreadMemory,
    youngGenerationMb: options.youngGenerationMb,
    requestDescriptor: descriptors,
    targets: { pool, master: here },
    costOf: (routeKey) => pool?.expectedCost(routeKey) ?? -1,
    inject: (request) => injectIntoMaster(app, request),
    onRequests: options.metrics ? (rows) => metrics.recordTally(rows) : undefined,
    masterShedder: shedder,
    cpus: cpuCount(),
    // Load of another kind: pool threads idle for a second make room at once.
    onScaleUp: pool ? () => pool.trimIdle(TRIM_IDLE_AFTER_MS) : undefined,
    log,
  });
}

/** Headers that describe the thread's connection or the original body's framing, not the request. */
const NOT_INJECTED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

async function injectIntoMaster(app: FastifyInstance, request: InjectRequest): Promise<InjectResponse> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !NOT_INJECTED.has(name)) headers[name] = value;
  const response = await app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers,
    ...(request.body !== undefined ? { payload: Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
}
