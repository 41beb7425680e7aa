import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Gopool, RunningServer, StartMode } from '../api/gopool';
import type { GopoolOptions } from '../config/options';
import type { RouteDefinition } from '../api/route-registry';
import { InlineDispatcher } from '../dispatch/inline-dispatcher';
import type { Dispatcher } from '../dispatch/task';
import { ThreadPool } from '../dispatch/pool/thread-pool';
import { boundUrl, createFastify } from '../ingress/create-fastify';
import { drainHttpServer } from '../ingress/drain';
import { gopoolRoutes } from '../ingress/gopool-routes';
import type { Listen } from '../ingress/listen';
import { IngressThreads } from '../ingress/threads/ingress-threads';
import type { InjectRequest, InjectResponse } from '../ingress/threads/protocol';
import type { TcpHandle } from '../supervision/listen-socket';
import { GopoolError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { monitoringEndpoints } from '../monitoring/endpoints';
import { Metrics } from '../monitoring/metrics';
import { startMonitorPort } from '../monitoring/monitor-port';
import { runOnMaster } from './on-master';

export interface ServerArgs {
  gopool: Gopool;
  options: GopoolOptions;
  log: Logger;
  appFile: string;
  mode: StartMode;
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
 * The serving process: runs `onMaster`, starts the pool (pool mode: it loads the app file in
 * a thread to prove it can), mounts the routes, listens. Single mode runs every handler
 * inline on this thread instead.
 */
export async function startServer({ gopool, options, log, appFile, mode, listen, descriptors }: ServerArgs): Promise<Server> {
  const app = createFastify(options, log);
  const metrics = new Metrics(options.name, mode);
  if (options.metrics) recordRequests(app, metrics);
  const { ctx, customized } = await runOnMaster(gopool, app, mode === 'pool');
  const routes = gopool.routes.list();
  const inline = new InlineDispatcher(routes, ctx, log);
  const pool = mode === 'pool' && routes.some((route) => route.options.runOn !== 'master')
    ? createPool(gopool, options, log, appFile, ctx, options.metrics ? metrics : undefined)
    : undefined;
  if (pool) {
    try {
      await pool.start();
    } catch (err) {
      await pool.close(0);
      throw new GopoolError(`the worker threads could not start: ${(err as Error).message}`);
    }
  }
  // On the master, handlers other than runOn "master" always run on the pool: a handler's
  // bug (a throw in a timer, an endless loop) then costs a worker thread, never the master.
  // The same for requests the ingress threads hand over.
  const runsOn = (route: RouteDefinition): Dispatcher => (pool && route.options.runOn !== 'master' ? pool : inline);
  await app.register(gopoolRoutes({
    routes,
    dispatcherFor: runsOn,
    headerGetter: gopool.headerGetter,
    defaultTimeout: options.timeout,
    log,
  }));
  if (options.infoUrl) await app.register(monitoringEndpoints(metrics, { prefix: options.infoUrl, token: options.monitorToken }));
  try {
    await listen(app, options);
  } catch (err) {
    await pool?.close(0);
    throw err;
  }
  const { url, port } = boundUrl(app);
  const ingress = mode === 'pool' && descriptors && ingressAllowed(options, customized, log)
    ? createIngress({ gopool, options, log, appFile, ctx, app, pool, runsOn, metrics, descriptors })
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
        await app.close(); // runs the onClose hooks of plugins the user registered in onMaster
        await pool?.close(Math.max(0, deadline - Date.now()));
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

function createPool(gopool: Gopool, options: GopoolOptions, log: Logger, appFile: string, ctx: Record<string, unknown>, metrics: Metrics | undefined): ThreadPool {
  return new ThreadPool({
    threadFile: join(__dirname, '..', 'dispatch', 'pool', 'thread-main.js'),
    threadData: { appFile, ctx, logLevel: options.logLevel, routeKeys: gopool.routes.list().map((route) => route.key) },
    minThreads: options.minThreads,
    maxThreads: options.maxThreads,
    maxQueue: options.maxQueue,
    idleTimeout: options.idleTimeout,
    concurrency: options.concurrency,
    maxThreadMemory: options.maxThreadMemory,
    youngGenerationMb: options.youngGenerationMb,
    log,
    ...(metrics ? { onTaskTimes: (waitMs: number, runMs: number) => metrics.recordTask(waitMs, runMs) } : {}),
  });
}

/** Ingress threads bypass hooks and plugins added to the master's fastify: not with those. */
function ingressAllowed(options: GopoolOptions, customized: string[], log: Logger): boolean {
  if (options.ingressThreads === 0) return false;
  if (customized.length === 0) return true;
  log.info(`onMaster customized the master's fastify (${customized.join(', ')}): only the master accepts connections, so that every request passes through it (ingress threads are off)`);
  return false;
}

interface IngressArgs {
  gopool: Gopool;
  options: GopoolOptions;
  log: Logger;
  appFile: string;
  ctx: Record<string, unknown>;
  app: FastifyInstance;
  pool: ThreadPool | undefined;
  runsOn: (route: RouteDefinition) => Dispatcher;
  metrics: Metrics;
  descriptors: () => Promise<TcpHandle>;
}

function createIngress({ gopool, options, log, appFile, ctx, app, pool, runsOn, metrics, descriptors }: IngressArgs): IngressThreads {
  const routes = new Map(gopool.routes.list().map((route) => [route.key, route] as const));
  return new IngressThreads({
    threadFile: join(__dirname, '..', 'ingress', 'threads', 'ingress-main.js'),
    data: { appFile, ctx, options, routeKeys: [...routes.keys()] },
    max: options.ingressThreads,
    min: options.minIngressThreads,
    idleTimeout: options.idleTimeout,
    stuckAfter: Math.max(options.timeout, 5000),
    gracePeriod: options.gracePeriod,
    maxThreadMemory: options.maxThreadMemory,
    youngGenerationMb: options.youngGenerationMb,
    requestDescriptor: descriptors,
    // The keys are the thread's own routes, checked against these when it started.
    dispatcherFor: (routeKey) => runsOn(routes.get(routeKey)!),
    costOf: (routeKey) => (pool && runsOn(routes.get(routeKey)!) === pool ? pool.expectedCost(routeKey) : -1),
    inject: (request) => injectIntoMaster(app, request),
    onRequests: options.metrics ? (rows) => metrics.recordTally(rows) : undefined,
    masterServer: app.server,
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
    ...(request.body !== undefined ? { payload: typeof request.body === 'string' ? request.body : Buffer.from(request.body) } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
}
