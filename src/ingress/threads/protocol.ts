/**
 * Messages between the master and an ingress thread: a thread that accepts connections on
 * its own descriptor of the listening socket, runs the app's hooks and cheap routes itself.
 * What it does not run (heavy routes, `runOn: "master"` routes) it hands to the master with
 * the target placement chose: heavy routes join the central queue like every other request,
 * so their fairness does not depend on which thread the kernel gave the connection to. Routes
 * only the master has (onMaster's, monitoring) it forwards as raw HTTP (Inject).
 */
import type { GopoolOptions } from '../../config/options';
import type { TaskRequest, TaskResult } from '../../dispatch/task';
import type { TallyEntry } from '../../monitoring/request-tally';
import type { TlsFiles } from '../tls-files';

/** A route the master answers itself (added in onMaster): ingress threads hand these over. */
export interface MasterRoute {
  method: string;
  url: string;
}

export const enum ToIngress {
  /** [Results, [[id, result, failure, message, cost], ...]]: answers to Dispatch entries. */
  Results = 1,
  /** [Injected, id, response]: the master fastify's answer to an Inject. */
  Injected = 2,
  /**
   * [Shed, count]: close kept-alive connections after their next response: `count` of them
   * (the thread holds more than its share, connection-balance.ts), or every one (-1: a new
   * thread wants some).
   */
  Shed = 3,
  /** [Drain, graceMs]: stop accepting, finish what is in flight, exit. */
  Drain = 4,
  /** [Interrupted]: the master stopped the JavaScript this thread was stuck in; answer what it cut short. */
  Interrupted = 5,
  /** [Pin, routeKey]: run this route on the pool from now on (it got stuck or crashed a thread). */
  Pin = 6,
  /** [PoolReady, yes]: whether a pool thread is ready, so that a cheap route's cost can be checked there without starting one. */
  PoolReady = 7,
}

export const enum FromIngress {
  /** [Listening, tid]: the app is loaded and the thread accepts connections; tid: its OS id. */
  Listening = 1,
  /** [Fatal, message]: the thread could not start. */
  Fatal = 2,
  /** [Dispatch, [[id, routeKey, request, timeout, target], ...]]: run these on the pool or the master. */
  Dispatch = 3,
  /** [Inject, id, request]: a request for a route only the master's fastify has. */
  Inject = 4,
  /** [Requests, [[method, route, status, bucket, count, sumMs], ...]]: answered requests, for metrics. */
  Requests = 5,
  /** [Heap, usedBytes, totalBytes]: every second; also the master's sign that the thread is not stuck. */
  Heap = 6,
  /** [Drained]: every connection is closed; the thread exits when its event loop is empty. */
  Drained = 7,
  /** [Cancel, id]: the client of a dispatched request went away. */
  Cancel = 8,
  /** [Faulted, routeKey | '', message]: an exception nothing caught; the thread wants to be replaced. */
  Faulted = 9,
}

export type DispatchEntry = [id: number, routeKey: string, request: TaskRequest, timeout: number, target: 'pool' | 'master'];
/**
 * A dispatched request's outcome: its result, or the code and message of the request error
 * (src/errors.ts) that answers it instead. `syncMs` and `asyncMs` are what the route costs a
 * pool thread per request (its synchronous run, the rest of its thread time; -1 when not
 * measured), so the thread learns whether a route is cheap enough to run itself.
 */
export type ResultEntry = [id: number, result: TaskResult | null, errorCode: string, message: string, syncMs: number, asyncMs: number];
/** Requests counted on an ingress thread, per route (monitoring's RequestTally). */
export type RequestsEntry = TallyEntry;

export interface InjectRequest {
  /** The request's id on the thread that accepted it (its log lines' reqId). */
  id: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as received, unparsed. */
  body: Uint8Array | undefined;
}

export interface InjectResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Uint8Array;
}

export type MessageToIngress =
  | [ToIngress.Results, ResultEntry[]]
  | [ToIngress.Injected, number, InjectResponse]
  | [ToIngress.Shed, number]
  | [ToIngress.Drain, number]
  | [ToIngress.Interrupted]
  | [ToIngress.Pin, string]
  | [ToIngress.PoolReady, boolean];

export type MessageFromIngress =
  | [FromIngress.Listening, number]
  | [FromIngress.Fatal, string]
  | [FromIngress.Dispatch, DispatchEntry[]]
  | [FromIngress.Inject, number, InjectRequest]
  | [FromIngress.Requests, RequestsEntry[]]
  | [FromIngress.Heap, number, number]
  | [FromIngress.Drained]
  | [FromIngress.Cancel, number]
  | [FromIngress.Faulted, string, string];

/** An ingress thread's workerData. */
export interface IngressData {
  appFile: string;
  ctx: Record<string, unknown>;
  options: GopoolOptions;
  routeKeys: string[];
  /** Routes only the master has (added in onMaster), handed to it as they are. */
  masterRoutes: MasterRoute[];
  /** Routes pinned to the pool (they got stuck or crashed an ingress thread before). */
  pinned: string[];
  /**
   * What the routes measured so far cost (route, synchronous ms, ms after awaits): a thread
   * started under load runs a route known to be cheap inline from its first request, instead of
   * sending it to a pool thread to be measured again (starting one if none is left).
   */
  costs: Array<[routeKey: string, syncMs: number, asyncMs: number]>;
  /** The thread's SyncWatch slot (dispatch/sync-watch.ts). */
  syncBuffer: SharedArrayBuffer;
  /** Where the thread writes how many connections it keeps (connection-balance.ts). */
  connectionsBuffer: SharedArrayBuffer;
  /** Its own descriptor of the daemon's listening socket. */
  fd: number;
  /** The key and certificate the master read at its start, for HTTPS. */
  tls?: TlsFiles | undefined;
}
