/**
 * Messages between the master and a pool thread. Arrays with a numeric tag: they clone
 * faster than objects with named fields, and this is the per-request path.
 */
import type { TaskRequest, TaskResult } from '../task';

export const enum ToThread {
  /** [Task, id, routeKey, request] */
  Task = 1,
  /** [Retire]: stop taking work and exit once the event loop has nothing left to do. */
  Retire = 2,
}

export const enum ToMaster {
  /** [Ready]: the app file is loaded and every route the master knows exists here too. */
  Ready = 1,
  /** [Done, id, result] */
  Done = 2,
  /** [Yield, id]: the handler is awaiting; this thread's event loop can take another task. */
  Yield = 3,
  /** [Fatal, message]: the thread could not start (app failed to load, routes differ). */
  Fatal = 4,
}

export type TaskMessage = [ToThread.Task, number, string, TaskRequest];
export type RetireMessage = [ToThread.Retire];
export type MessageToThread = TaskMessage | RetireMessage;

export type MessageToMaster =
  | [ToMaster.Ready]
  | [ToMaster.Done, number, TaskResult]
  | [ToMaster.Yield, number]
  | [ToMaster.Fatal, string];

/** What the master puts in every thread's workerData. */
export interface ThreadData {
  appFile: string;
  ctx: Record<string, unknown>;
  logLevel: string;
  routeKeys: string[];
}
