/**
 * Entry of a pool thread. It loads the user's own app file (so handlers live where they are
 * written), then serves task batches from the master.
 *
 * The thread only ever waits on its MessagePort through the event loop, never in a blocking
 * call: a handler's unawaited timers and promises run on time however long the thread stays
 * idle. (A thread pool whose idle workers park in a blocking wait stalls exactly those.)
 */
import { performance } from 'node:perf_hooks';
import { parentPort, type TransferListItem, workerData } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { RouteDefinition } from '../../api/route-registry';
import { ERR_HANDLER_CRASHED, ERR_HANDLER_INTERRUPTED, rebuildError } from '../../errors';
import { appServer } from '../../ingress/app-server';
import { countEnabledAsyncHooks } from '../../runtime/async-hooks-count';
import { lazyLogger } from '../../runtime/logger';
import { claimRole } from '../../runtime/realm';
import { osThreadId, threadCpuClock } from '../../runtime/thread-cpu';
import { executeRoute } from '../execute-route';
import { handlerRequest, type RequestContext } from '../handler-request';
import { ResponseSerializers } from '../response-serializers';
import { thrownResult } from '../serialize-result';
import { crossingPort, openStreams, watchOpenStreams } from '../stream-port';
import { SyncWatch } from '../sync-watch';
import type { TaskResult } from '../task';
import { loadThreadApp, reportHeap, type ThreadApp } from '../thread-start';
import { type MessageToMaster, type MessageToThread, type ProgressEntry, type TaskEntry, type ThreadData, ToMaster, ToThread } from './protocol';
import { TaskClock } from './task-clock';

claimRole('thread');
const port = parentPort!;
const data = workerData as ThreadData;
const log = lazyLogger(data.options.logLevel, 'thread');
const syncWatch = new SyncWatch(data.syncBuffer, data.routeKeys);
// Before the app loads: hooks it enables count too (see runtime/async-hooks-count.ts).
countEnabledAsyncHooks((enabled) => syncWatch.hooksEnabled(enabled));
const clock = new TaskClock(threadCpuClock());
/**
 * A route's first runs on a thread are not measured beyond their synchronous run: its code is
 * cold there (interpreted, not yet optimized) and costs several times what it will.
 */
const WARM_AFTER_RUNS = 10;
const runsOf = new Map<string, number>();

/** The rest of a task's thread time, once the route's code is warm here (-1 before). */
function restOf(routeKey: string, mark: number): number {
  const rest = clock.end(mark);
  const runs = (runsOf.get(routeKey) ?? 0) + 1;
  runsOf.set(routeKey, runs);
  return runs > WARM_AFTER_RUNS ? rest : -1;
}

function post(message: MessageToMaster, transfer?: TransferListItem[]): void {
  port.postMessage(message, transfer);
}

/**
 * Progress is collected during a turn of the event loop and sent once at its end. Handlers
 * still pending then are reported with a null result: the master may send more work.
 */
let outbox: ProgressEntry[] = [];
/** A synchronous run this long is reported at once (one message is nothing beside it). */
const REPORT_AT_ONCE_MS = 1;
let transfers: TransferListItem[] = [];
let flushScheduled = false;
const awaiting = new Map<number, number>();
/** Requests whose handler is still running, for Abort messages and crashes; `mark` is the task clock's. */
const inFlight = new Map<number, { request: RequestContext; routeKey: string; mark: number }>();
/** The batch being run and where in it: an interrupt cuts a run short (see resumeCutBatch). */
let batch: TaskEntry[] = [];
let next = 0;
let retiring = false;
/** Tasks the master timed out (their clients have a 504), and whether it has interrupted this thread. */
const timedOut = new Set<number>();
let interrupted = false;

function report(id: number, syncMs: number, result: TaskResult | null, asyncMs: number): void {
  outbox.push([id, syncMs, result, asyncMs]);
  // Binary bodies are exact-size copies made for this response: move them, do not clone.
  if (result !== null && result.body instanceof Uint8Array) transfers.push(result.body.buffer as ArrayBuffer);
  // A streamed body goes on its own port, read by the thread that answers the client.
  const stream = result === null ? undefined : crossingPort(result);
  if (stream !== undefined) transfers.push(stream);
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
  postProgress();
  if (retiring && idle()) stop();
}

function postProgress(): void {
  for (const [id, syncMs] of awaiting) outbox.push([id, syncMs, null, -1]);
  awaiting.clear();
  const entries = outbox;
  const moved = transfers;
  outbox = [];
  transfers = [];
  if (entries.length > 0) post([ToMaster.Progress, entries], moved.length > 0 ? moved : undefined);
}

/**
 * Nothing runs here for a client any more: no handler, no stream still sending. Once the
 * thread was interrupted, a handler that timed out does not count: the interrupt may have cut
 * its code after an await, and then it never settles (its client was answered at the timeout).
 */
function idle(): boolean {
  if (openStreams() > 0) return false;
  for (const id of inFlight.keys()) if (!(interrupted && timedOut.has(id))) return false;
  return true;
}

// The master keeps a thread that still streams a response from retiring (its idle clock).
let streaming = false;
watchOpenStreams((open) => {
  if (open > 0 === streaming) return;
  streaming = open > 0;
  post([ToMaster.Streaming, streaming]);
  if (!streaming && retiring) scheduleFlush();
});

function runTasks(app: Served, tasks: TaskEntry[]): void {
  resumeCutBatch(app);
  batch = tasks;
  for (next = 0; next < batch.length; next++) runTask(app, batch[next]!);
  batch = [];
}

function runTask({ routes, serializers, server }: Served, [id, key, task]: TaskEntry): void {
  const route = routes.get(key)!;
  const request = handlerRequest(task, data.ctx, log, undefined, server);
  const mark = clock.start();
  const started = performance.now();
  syncWatch.enter(key, Infinity, undefined);
  const outcome = executeRoute(route, request, serializers.for(route), { crossing: true });
  syncWatch.leave();
  const syncMs = performance.now() - started;
  clock.ran(syncMs);
  if (!(outcome instanceof Promise)) {
    report(id, syncMs, outcome, restOf(key, mark));
    // A heavy handler's result goes out now, not at the end of the turn: the master may have
    // sent this thread its next heavy task already, which would run first and hold it back.
    if (syncMs >= REPORT_AT_ONCE_MS) postProgress();
    return;
  }
  void outcome.then((result) => {
    if (!inFlight.delete(id)) return; // answered already (its handler crashed the thread)
    timedOut.delete(id);
    // Settled within this turn: one entry with the result, no separate "awaiting" report.
    awaiting.delete(id);
    report(id, syncMs, result, restOf(key, mark));
  });
  awaiting.set(id, syncMs);
  inFlight.set(id, { request, routeKey: key, mark });
  scheduleFlush();
}

/**
 * The master interrupted this thread inside a handler's synchronous run (past its timeout; its
 * client has a 504 already): report that task as done, and run the rest of its batch.
 */
function resumeCutBatch(app: Served): void {
  const cut = syncWatch.takeInterrupted();
  if (batch.length === 0) return;
  const [id, key] = batch[next]!;
  const rest = batch.slice(next + 1);
  batch = [];
  log.error({ route: key, ranMs: cut?.ranMs }, `the handler of ${key} ran synchronously past its timeout and was stopped`);
  report(id, cut?.ranMs ?? 0, thrownResult(new ERR_HANDLER_INTERRUPTED(key, cut?.ranMs ?? 0), { crossing: true }), -1);
  if (rest.length > 0) runTasks(app, rest);
}

let stopping = false;

/** Sends what is still in the outbox (a result reported this turn), then onThreadStop, then exits. */
function stop(): void {
  if (stopping) return;
  stopping = true;
  flush();
  void served?.thread.stop().finally(() => port.close());
}

interface Served {
  thread: ThreadApp;
  /** The app's fastify on this thread (`request.server`). */
  server: () => FastifyInstance;
  routes: Map<string, RouteDefinition>;
  serializers: ResponseSerializers;
}
let served: Served | undefined;

async function main(): Promise<void> {
  let thread: ThreadApp;
  let server: () => FastifyInstance;
  try {
    thread = await loadThreadApp(data.appFile, data.routeKeys, data.ctx, 'pool', data.options, log);
    server = await appServer(thread.definition, data.options, log);
  } catch (err) {
    post([ToMaster.Fatal, err instanceof Error ? err.message : String(err)]);
    return;
  }
  const app: Served = (served = {
    thread,
    server,
    routes: new Map(thread.routes.map((route) => [route.key, route] as const)),
    serializers: new ResponseSerializers(thread.definition.sharedSchemas),
  });
  // An exception nothing caught (a throw in a timer a handler left): the thread's state is in
  // doubt, so it asks to be replaced. The one handler awaiting, if only one was, gets the blame
  // (a 500); the others finish here.
  process.on('uncaughtException', (err) => {
    const [blamed] = inFlight.size === 1 ? [...inFlight] : [];
    if (blamed !== undefined) {
      const [id, { routeKey, mark }] = blamed;
      inFlight.delete(id);
      awaiting.delete(id);
      clock.end(mark);
      report(id, 0, thrownResult(new ERR_HANDLER_CRASHED(routeKey), { crossing: true }), -1);
    }
    log.error({ err }, 'an exception nothing caught; this thread will be replaced');
    post([ToMaster.Faulted, err instanceof Error ? err.message : String(err)]);
  });
  port.on('message', (message: MessageToThread) => {
    switch (message[0]) {
      case ToThread.Tasks:
        runTasks(app, message[1]);
        return;
      case ToThread.Abort:
        if (message[2] === 'GOPOOL_ERR_TIMEOUT' && inFlight.has(message[1])) timedOut.add(message[1]);
        inFlight.get(message[1])?.request.abort(rebuildError(message[2], message[3]));
        return;
      case ToThread.Interrupted:
        interrupted = true;
        resumeCutBatch(app);
        if (retiring && idle()) stop();
        return;
      case ToThread.Retire:
        // Exit once the handlers still running have answered and their streams ended (a faulted thread still has some).
        retiring = true;
        if (idle()) stop();
        return;
    }
  });
  post([ToMaster.Ready, osThreadId()]);
  reportHeap((used, total) => post([ToMaster.Heap, used, total]));
}

void main();
