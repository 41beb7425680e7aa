/**
 * Entry of a pool thread. It loads the user's own app file (so handlers live where they are
 * written), then serves tasks from the master.
 *
 * The thread only ever waits on its MessagePort through the event loop, never in a blocking
 * call: a handler's unawaited timers and promises run on time however long the thread stays
 * idle (the stall described in shared/seeds/thread-pool-stall-story.md cannot happen here).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gopoolInstance } from '../../api/instance';
import type { RouteDefinition } from '../../api/route-registry';
import { createLogger } from '../../runtime/logger';
import { loadApp } from '../../runtime/load-app';
import { executeRoute } from '../execute-route';
import type { TaskResult } from '../task';
import { ToMaster, ToThread, type MessageToMaster, type MessageToThread, type ThreadData } from './protocol';

const port = parentPort!;
const data = workerData as ThreadData;
const log = createLogger(data.logLevel, 'thread');

function post(message: MessageToMaster, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

function sendResult(id: number, result: TaskResult): void {
  // Binary bodies are exact-size copies made for this response: move them, do not clone.
  const transfer = result.body instanceof Uint8Array ? [result.body.buffer as ArrayBuffer] : undefined;
  post([ToMaster.Done, id, result], transfer);
}

/**
 * Tasks whose handler returned a pending promise. Once this turn of the event loop is over
 * (setImmediate), those still pending are reported as yielded so the master may send more
 * work; handlers that settle within the turn cost no extra message.
 */
const awaiting = new Set<number>();
let yieldCheckScheduled = false;

function reportYields(): void {
  yieldCheckScheduled = false;
  for (const id of awaiting) post([ToMaster.Yield, id]);
  awaiting.clear();
}

function runTask(routes: Map<string, RouteDefinition>, id: number, key: string, request: MessageToThread[3]): void {
  const route = routes.get(key)!;
  const outcome = executeRoute(route, request as Parameters<typeof executeRoute>[1], data.ctx, log);
  if (!(outcome instanceof Promise)) {
    sendResult(id, outcome);
    return;
  }
  awaiting.add(id);
  if (!yieldCheckScheduled) {
    yieldCheckScheduled = true;
    setImmediate(reportYields);
  }
  void outcome.then((result) => {
    awaiting.delete(id);
    sendResult(id, result);
  });
}

async function main(): Promise<void> {
  process.on('unhandledRejection', (reason) => {
    // A handler's fire-and-forget promise failed. Crashing would take down every other
    // request on this thread for a failure no client is waiting on: log it instead.
    log.error({ err: reason }, 'unhandled promise rejection in a thread (work a handler did not await)');
  });
  try {
    await loadApp(data.appFile);
  } catch (err) {
    post([ToMaster.Fatal, err instanceof Error ? err.message : String(err)]);
    return;
  }
  const registry = gopoolInstance().routes;
  const routes = new Map(registry.list().map((route) => [route.key, route] as const));
  const missing = data.routeKeys.filter((key) => !routes.has(key));
  if (missing.length > 0) {
    post([ToMaster.Fatal, `routes registered in the master are missing in a thread: ${missing.join(', ')} (route registration must not depend on the role)`]);
    return;
  }
  port.on('message', (message: MessageToThread) => {
    if (message[0] === ToThread.Task) runTask(routes, message[1], message[2], message[3]);
    else if (message[0] === ToThread.Retire) port.close();
  });
  post([ToMaster.Ready]);
}

void main();
