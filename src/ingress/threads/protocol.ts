/**
 * Messages between the master and an ingress thread: a thread that accepts connections on
 * its own descriptor of the listening socket and answers cheap routes itself. What it does
 * not run (CPU-heavy routes, `runOn: "master"` routes, routes the user added to the master's
 * fastify in onMaster, monitoring) it hands to the master: heavy routes join the central
 * queue like every other request, so their fairness does not depend on which thread the
 * kernel gave the connection to.
 */
import type { GopoolOptions } from '../../config/options';
import type { DispatchFailure, TaskRequest, TaskResult } from '../../dispatch/task';
import type { TallyEntry } from '../../monitoring/request-tally';

export const enum ToIngress {
  /** [Results, [[id, result, failure, message, cost], ...]]: answers to Dispatch entries. */
  Results = 1,
  /** [Injected, id, response]: the master fastify's answer to an Inject. */
  Injected = 2,
  /** [Shed]: close each kept-alive connection after its next response (a new thread wants some). */
  Shed = 3,
  /** [Drain, graceMs]: stop accepting, finish what is in flight, exit. */
  Drain = 4,
}

export const enum FromIngress {
  /** [Listening]: the app is loaded and the thread accepts connections. */
  Listening = 1,
  /** [Fatal, message]: the thread could not start. */
  Fatal = 2,
  /** [Dispatch, [[id, routeKey, request, timeout], ...]]: run these where the master decides. */
  Dispatch = 3,
  /** [Inject, id, request]: a request for a route only the master's fastify has. */
  Inject = 4,
  /** [Requests, [[method, route, status, bucket, count, sumMs], ...]]: answered requests, for metrics. */
  Requests = 5,
  /** [Heap, usedBytes, totalBytes]: every second; also the master's sign that the thread is not stuck. */
  Heap = 6,
  /** [Drained]: every connection is closed; the thread exits when its event loop is empty. */
  Drained = 7,
}

export type DispatchEntry = [id: number, routeKey: string, request: TaskRequest, timeout: number];
/**
 * A dispatched request's outcome: its result, or why there is none. `cost` is the synchronous
 * run time the pool expects of this route (ms), so the thread learns when a route it sends
 * away has become cheap enough to run itself.
 */
export type ResultEntry = [id: number, result: TaskResult | null, failure: DispatchFailure | 'error' | null, message: string, cost: number];
/** Requests counted on an ingress thread, per route (monitoring's RequestTally). */
export type RequestsEntry = TallyEntry;

export interface InjectRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Uint8Array | undefined;
}

export interface InjectResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Uint8Array;
}

export type MessageToIngress =
  | [ToIngress.Results, ResultEntry[]]
  | [ToIngress.Injected, number, InjectResponse]
  | [ToIngress.Shed]
  | [ToIngress.Drain, number];

export type MessageFromIngress =
  | [FromIngress.Listening]
  | [FromIngress.Fatal, string]
  | [FromIngress.Dispatch, DispatchEntry[]]
  | [FromIngress.Inject, number, InjectRequest]
  | [FromIngress.Requests, RequestsEntry[]]
  | [FromIngress.Heap, number, number]
  | [FromIngress.Drained];

/** An ingress thread's workerData. */
export interface IngressData {
  appFile: string;
  ctx: Record<string, unknown>;
  options: GopoolOptions;
  routeKeys: string[];
  /** Its own descriptor of the daemon's listening socket. */
  fd: number;
}
