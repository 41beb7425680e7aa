/**
 * Messages between the master and a pool thread. Tasks and results travel in batches, one
 * postMessage per event-loop turn and direction: a batched task costs the master a fraction
 * of a postMessage of its own (dispatch/turn-batches.ts; bench/dispatch-overhead.mjs).
 * Arrays with numeric tags, because they clone faster than objects with named fields.
 */
import type { GopoolOptions } from '../../config/options';
import type { TaskRequest, TaskResult } from '../task';

export const enum ToThread {
  /** [Tasks, [[id, routeKey, request], ...]] */
  Tasks = 1,
  /** [Retire]: stop taking work and exit once the event loop has nothing left to do. */
  Retire = 2,
  /** [Abort, id, code, message]: the task's client has its answer (timeout) or left: abort the handler's signal with that error. */
  Abort = 3,
  /** [Interrupted]: the master stopped the JavaScript this thread was stuck in; report what it cut short, run the rest. */
  Interrupted = 4,
}

export const enum ToMaster {
  /** [Ready, tid]: the app file is loaded and every route the master knows exists here too; tid: the thread's OS id. */
  Ready = 1,
  /**
   * [Progress, [[id, syncMs, result | null, asyncMs], ...]]: for each task, how long its
   * synchronous part ran, and its result, or null when the handler is still awaiting (the
   * thread's event loop is free for more work meanwhile). With the result of a sampled task,
   * how long its continuations took the thread (dispatch/cpu-sampler.ts); -1 otherwise.
   */
  Progress = 2,
  /** [Fatal, message]: the thread could not start (app failed to load, routes differ). */
  Fatal = 3,
  /** [Heap, usedBytes, totalBytes]: sent every second, for monitoring. */
  Heap = 4,
  /** [Faulted, message]: an exception nothing caught; the thread wants to be replaced. */
  Faulted = 5,
  /** [Streaming, yes]: the thread started sending its first streamed response, or ended its last (it must not retire meanwhile). */
  Streaming = 6,
}

export type TaskEntry = [id: number, routeKey: string, request: TaskRequest];
export type ProgressEntry = [id: number, syncMs: number, result: TaskResult | null, asyncMs: number];

export type MessageToThread = [ToThread.Tasks, TaskEntry[]] | [ToThread.Retire] | [ToThread.Abort, number, string, string] | [ToThread.Interrupted];

export type MessageToMaster =
  | [ToMaster.Ready, number]
  | [ToMaster.Progress, ProgressEntry[]]
  | [ToMaster.Fatal, string]
  | [ToMaster.Heap, number, number]
  | [ToMaster.Faulted, string]
  | [ToMaster.Streaming, boolean];

/** What the master puts in every thread's workerData. */
export interface ThreadData {
  appFile: string;
  ctx: Record<string, unknown>;
  /** The server's options: the log level, `cpus` for the app's onThreadStart, the app's fastify on this thread (`request.server`). */
  options: GopoolOptions;
  routeKeys: string[];
  /** The thread's SyncWatch slot (dispatch/sync-watch.ts). */
  syncBuffer: SharedArrayBuffer;
}
