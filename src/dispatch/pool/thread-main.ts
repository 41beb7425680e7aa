/**
 * Entry of a pool thread. It loads the user's own app file (so handlers live where they are
 * written), then serves task batches from the master.
 *
 * The thread only ever waits on its MessagePort through the event loop, never in a blocking
 * call: a handler's unawaited timers and promises run on time however long the thread stays
 * idle (the stall described in shared/seeds/thread-pool-stall-story.md cannot happen here).
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { RouteDefinition } from '../../api/route-registry';
import { createLogger } from '../../runtime/logger';
import { loadThreadRoutes, reportHeap } from '../../runtime/thread-start';
import { executeRoute } from '../execute-route';
import type { TaskResult } from '../task';
import { ToMaster, ToThread, type MessageToMaster, type MessageToThread, type ProgressEntry, type TaskEntry, type ThreadData } from './protocol';

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

function report(id: number, syncMs: number, result: TaskResult | null): void {
  outbox.push([id, syncMs, result]);
  // Binary bodies are exact-size copies made for this response: move them, do not clone.
  if (result !== null && result.body instanceof Uint8Array) transfers.push(result.body.buffer as ArrayBuffer);
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

function runTasks(routes: Map<string, RouteDefinition>, tasks: TaskEntry[]): void {
  for (const [id, key, request] of tasks) {
    const started = performance.now();
    const outcome = executeRoute(routes.get(key)!, request, data.ctx, log);
    const syncMs = performance.now() - started;
    if (!(outcome instanceof Promise)) {
      report(id, syncMs, outcome);
      continue;
    }
    awaiting.set(id, syncMs);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
    void outcome.then((result) => {
      // Settled within this turn: one entry with the result, no separate "awaiting" report.
      awaiting.delete(id);
      report(id, syncMs, result);
    });
  }
}

async function main(): Promise<void> {
  let routes: Map<string, RouteDefinition>;
  try {
    routes = new Map((await loadThreadRoutes(data.appFile, data.routeKeys, log)).map((route) => [route.key, route] as const));
  } catch (err) {
    post([ToMaster.Fatal, err instanceof Error ? err.message : String(err)]);
    return;
  }
  port.on('message', (message: MessageToThread) => {
    if (message[0] === ToThread.Tasks) runTasks(routes, message[1]);
    else if (message[0] === ToThread.Retire) port.close();
  });
  post([ToMaster.Ready]);
  reportHeap((used, total) => post([ToMaster.Heap, used, total]));
}

void main();
