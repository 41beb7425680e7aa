import type { ResponseHeaders } from '../api/types';
import type { StreamHandle } from './stream-port';

/**
 * What crosses to the thread that runs the handler: the request as the handler will see it,
 * minus what that thread adds itself (`ctx`, `log`, `signal`), plus what `requestGetter`
 * picked as fields of their own. Plain data only (dispatch/handler-request.ts builds it).
 */
export interface TaskRequest {
  method: string;
  url: string;
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  headers: Record<string, unknown>;
  id: string;
  ip: string;
  cookies?: Record<string, string | undefined>;
  /** A `body: "stream"` route's raw body: the handler's `body` is a web ReadableStream of it. */
  stream?: StreamHandle;
}

/** How the body of a result is to be labelled when the handler set no content-type. */
export const enum BodyKind {
  Empty = 0,
  Json = 1,
  Text = 2,
  Binary = 3,
  /** The handler threw: `error` holds what it threw (see dispatch/thrown-error.ts). */
  Error = 4,
  /** A stream whose first chunk is ready: `stream` holds it (dispatch/stream-result.ts). */
  Stream = 5,
}

/**
 * A handler's outcome, ready for the wire, built in the thread that ran it so that the
 * accepting thread only copies bytes: JSON is serialized where the handler ran. A thrown error
 * travels as data and is turned back into an Error where the request was accepted, for the
 * app's error handler.
 */
export interface TaskResult {
  status: number;
  kind: BodyKind;
  headers: ResponseHeaders | null;
  body: string | Uint8Array | null;
  error?: unknown;
  /** The body of a Stream result: a port to the thread that produces it, or the source itself. */
  stream?: StreamHandle;
}

/**
 * Where a result is going: `crossing`, posted to another thread (a thrown error is packed as
 * data, a stream becomes a port), or used on the thread that made it (the objects as they are).
 */
export interface ResultDestination {
  crossing: boolean;
}

/** A thread that runs handlers for requests another thread accepted: the pool's, or the master. */
export interface Dispatcher {
  /**
   * The handler's outcome. Rejects only with a request error of src/errors.ts (timeout, queue
   * full, ...). `cancel` (optional) tells the dispatcher when the client went away.
   */
  run(routeKey: string, request: TaskRequest, timeout: number, cancel?: Cancellation): Promise<TaskResult>;
}

/** Lets the accepting thread tell a dispatcher that nobody waits for the answer any more. */
export interface Cancellation {
  /** Starts watching the client (idempotent); `onCancel` is called if it leaves before its answer. */
  watch(): void;
  /** Set by the dispatcher: what to do when the client goes away. */
  onCancel: (() => void) | undefined;
  /** Answers the request with this error now (its handler was interrupted: nothing else will). */
  fail?(err: Error): void;
}
