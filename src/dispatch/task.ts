import type { ResponseHeaders } from '../api/types';

/** What crosses to the thread: the request as the handler will see it, minus `ctx`. */
export interface TaskRequest {
  method: string;
  url: string;
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  headers: Record<string, unknown>;
}

/** How the body of a result is to be labelled when the handler set no content-type. */
export const enum BodyKind {
  Empty = 0,
  Json = 1,
  Text = 2,
  Binary = 3,
}

/**
 * A response ready for the wire, built in the thread so that the master only copies bytes:
 * JSON is stringified where the handler ran, not on the master's event loop.
 */
export interface TaskResult {
  status: number;
  kind: BodyKind;
  headers: ResponseHeaders | null;
  body: string | Uint8Array | null;
}

/** Why a task produced no result; each maps to one HTTP status (see ingress/send-result.ts). */
export type DispatchFailure = 'queue-full' | 'timeout' | 'thread-exit' | 'closed' | 'no-thread';

export class DispatchError extends Error {
  constructor(readonly failure: DispatchFailure, message: string) {
    super(message);
    this.name = 'DispatchError';
  }
}

/** Where handlers run. The master's ingress talks to this and nothing else. */
export interface Dispatcher {
  /**
   * A handler that answered synchronously where it ran inline gives its result at once:
   * no promise and no extra microtask on the request path of a cheap route.
   */
  run(routeKey: string, request: TaskRequest, timeout: number): TaskResult | Promise<TaskResult>;
}
