/**
 * Entry of a pool thread. It loads the user's own app file (so handlers live where they are
 * written), then serves task batches from the master.
 *
 * The thread only ever waits on its MessagePort through the event loop, never in a blocking
 * call: a handler's unawaited timers and promises run on time however long the thread stays
 * idle. (A thread pool whose idle workers park in a blocking wait stalls exactly those.)
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { RouteDefinition } from '../../api/route-registry';
import { rebuildRequestError } from '../../errors';
import { createLogger } from '../../runtime/logger';
import { claimRole } from '../../runtime/realm';
import { loadThreadApp, reportHeap } from '../../runtime/thread-start';
import { executeRoute } from '../execute-route';
import { handlerRequest, type RequestContext } from '../handler-request';
import { ResponseSerializers } from '../response-serializers';
import type { TaskResult } from '../task';
import { ToMaster, ToThread, type MessageToMaster, type MessageToThread, type ProgressEntry, type TaskEntry, type ThreadData } from './protocol';

claimRole('thread');
const port = parentPort!;
const data = workerData as ThreadData;
const log = createLogger(data.logLevel, 'thread');

function post(message: MessageToMaster, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

/**
 * Progress is collected during a turn of the event loop and sent once at its end. Handlers
 * still pending then are reported with a null result: the master may send more work.
 */
let outbox: ProgressEntry[] = [];
let transfers: ArrayBuffer[] = [];
let flushScheduled = false;
const awaiting = new Map<number, number>();
/** Requests whose handler is still running, for Abort messages. */
const inFlight = new Map<number, RequestContext>();

function report(id: number, syncMs: number, result: TaskResult | null): void {
  outbox.push([id, syncMs, result]);
  // Binary bodies are exact-size copies made for this response: move them, do not clone.
  if (result !== null && result.body instanceof Uint8Array) transfers.push(result.body.buffer as ArrayBuffer);
  scheduleFlush();
}

function scheduleFlush(): void {
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushScheduled = false;
  for (const [id, syncMs] of awaiting) outbox.push([id, syncMs, null]);
  awaiting.clear();
  const entries = outbox;
  const moved = transfers;
  outbox = [];
  transfers = [];
  if (entries.length > 0) post([ToMaster.Progress, entries], moved.length > 0 ? moved : undefined);
}

function runTasks(routes: Map<string, RouteDefinition>, serializers: ResponseSerializers, ctx: ThreadData['ctx'], tasks: TaskEntry[]): void {
  for (const [id, key, task] of tasks) {
    const route = routes.get(key)!;
    const request = handlerRequest(task, ctx, log);
    const started = performance.now();
    const outcome = executeRoute(route, request, serializers.for(route), true);
    const syncMs = performance.now() - started;
    if (!(outcome instanceof Promise)) {
      report(id, syncMs, outcome);
      continue;
    }
    awaiting.set(id, syncMs);
    inFlight.set(id, request);
    scheduleFlush();
    void outcome.then((result) => {
      inFlight.delete(id);
      // Settled within this turn: one entry with the result, no separate "awaiting" report.
      awaiting.delete(id);
      report(id, syncMs, result);
    });
  }
}

async function main(): Promise<void> {
  let app: Awaited<ReturnType<typeof loadThreadApp>>;
  try {
    app = await loadThreadApp(data.appFile, data.routeKeys, data.ctx, 'pool', log);
  } catch (err) {
    post([ToMaster.Fatal, err instanceof Error ? err.message : String(err)]);
    return;
  }
  const routes = new Map(app.routes.map((route) => [route.key, route] as const));
  const serializers = new ResponseSerializers(app.definition.sharedSchemas);
  port.on('message', (message: MessageToThread) => {
    if (message[0] === ToThread.Tasks) runTasks(routes, serializers, data.ctx, message[1]);
    else if (message[0] === ToThread.Abort) inFlight.get(message[1])?.abort(rebuildRequestError(message[2], message[3]));
    else if (message[0] === ToThread.Retire) void app.stop().finally(() => port.close());
  });
  post([ToMaster.Ready]);
  reportHeap((used, total) => post([ToMaster.Heap, used, total]));
}

void main();
