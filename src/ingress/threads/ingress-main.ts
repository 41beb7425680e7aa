/**
 * Entry of an ingress thread. It loads the user's app file like a pool thread, then serves
 * HTTP itself on its own descriptor of the listening socket: cheap routes run right here
 * (no thread crossing at all), the rest goes to the master (see protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gopoolInstance } from '../../api/instance';
import { AdaptiveDispatcher } from '../../dispatch/adaptive-dispatcher';
import { InlineDispatcher } from '../../dispatch/inline-dispatcher';
import { RequestTally } from '../../monitoring/request-tally';
import { loadThreadRoutes, reportHeap } from '../../runtime/thread-start';
import { createLogger } from '../../runtime/logger';
import { createFastify } from '../create-fastify';
import { drainHttpServer } from '../drain';
import { gopoolRoutes } from '../gopool-routes';
import { listenOnDescriptor } from '../listen';
import { ConnectionShedder } from '../shed-connections';
import { MasterLink } from './master-link';
import { FromIngress, type IngressData, type InjectRequest } from './protocol';

const data = workerData as IngressData;
const log = createLogger(data.options.logLevel, 'ingress');
const link = new MasterLink(parentPort!);
/** How often request counts go to the master's metrics. */
const TALLY_EVERY_MS = 500;

async function main(): Promise<void> {
  let app: FastifyInstance;
  try {
    app = await serve();
  } catch (err) {
    link.post([FromIngress.Fatal, err instanceof Error ? err.message : String(err)]);
    return;
  }
  const shedder = new ConnectionShedder(app.server);
  link.onShed = () => shedder.shedAll();
  link.post([FromIngress.Listening]);
  const heap = reportHeap((used, total) => link.post([FromIngress.Heap, used, total]));
  link.onDrain = (graceMs) => {
    clearInterval(heap);
    void drainHttpServer(app.server, graceMs).then(() => {
      flushTally();
      link.post([FromIngress.Drained]);
      link.close();
    });
  };
}

let tally: RequestTally | undefined;

function flushTally(): void {
  const rows = tally?.take() ?? [];
  if (rows.length > 0) link.post([FromIngress.Requests, rows]);
}

async function serve(): Promise<FastifyInstance> {
  const routes = await loadThreadRoutes(data.appFile, data.routeKeys, log);
  const gopool = gopoolInstance();
  const app = createFastify(data.options, log, { fastifyLogger: false });
  if (data.options.metrics) {
    const counts = new RequestTally();
    tally = counts;
    setInterval(flushTally, TALLY_EVERY_MS).unref();
    // Answers fastify sends itself for a matched route (malformed JSON 400, body over the limit
    // 413): an onError hook costs nothing on the way of a request without an error.
    app.addHook('onError', (req, reply, err, done) => {
      const url = req.routeOptions.url;
      const status = (err as { statusCode?: number }).statusCode;
      if (url !== undefined) counts.record(req.method, url, typeof status === 'number' && status >= 400 ? status : 500, reply.elapsedTime);
      done();
    });
  }
  const inline = new InlineDispatcher(routes, data.ctx, log);
  const adaptive = new AdaptiveDispatcher(inline, link, data.options.cheapRouteMs);
  link.onCost = (routeKey, cost) => adaptive.learn(routeKey, cost);
  await app.register(gopoolRoutes({
    routes,
    dispatcherFor: (route) => (route.options.runOn === undefined || route.options.runOn === 'auto' ? adaptive : link),
    headerGetter: gopool.headerGetter,
    defaultTimeout: data.options.timeout,
    log,
    // Requests handed to the master's fastify (no route here) are counted there.
    onAnswered: tally ? tally.record.bind(tally) : undefined,
  }));
  app.setNotFoundHandler((req, reply) => void forwardToMaster(req, reply));
  await listenOnDescriptor(app, data.fd, data.options);
  return app;
}

/** Hop-by-hop and length headers: this thread's own server sets them for its connection. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * A route this fastify does not have: maybe one the user added to the master's fastify in
 * onMaster, or monitoring, or a real 404. The master's fastify answers it through inject().
 */
async function forwardToMaster(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const request: InjectRequest = { method: req.method, url: req.url, headers: req.headers, body: encodeBody(req.body) };
  try {
    const response = await link.inject(request);
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !NOT_FORWARDED.has(name)) reply.header(name, value);
    }
    reply.code(response.status).send(Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength));
  } catch (err) {
    log.error({ err }, 'the master could not answer a forwarded request');
    reply.code(502).send({ statusCode: 502, error: 'Bad Gateway', message: 'the master could not answer this request' });
  }
}

/** fastify has parsed the body already; the master's fastify parses it again. */
function encodeBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  return JSON.stringify(body);
}

void main();
