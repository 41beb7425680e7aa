import type { RouteDefinition } from '../api/route-registry';
import type { HandlerRequest } from '../api/types';
import type { RequestContext } from './handler-request';
import { type SerializerFor, streamReply, thrownResult, toTaskResult, unsendableResult } from './serialize-result';
import { streamResult } from './stream-result';
import type { ResultDestination, TaskResult } from './task';

/**
 * Runs one handler and always ends in a TaskResult, never a rejection: a throw becomes an
 * error result for the accepting thread's error handler, an unsendable value a 500.
 * A handler that answered synchronously gets its result returned, so that a thread can answer
 * it without an extra turn of its event loop; otherwise this returns undefined and `later` is
 * called with the result (a returned stream, once its first chunk is there:
 * dispatch/stream-result.ts). `to`: whether the result will be posted to another thread (errors
 * are packed as data then, streams become ports).
 */
export function executeRoute(
  route: RouteDefinition,
  request: HandlerRequest & RequestContext,
  serializerFor: SerializerFor | undefined,
  to: ResultDestination,
  later: (result: TaskResult) => void,
): TaskResult | undefined {
  let value: unknown;
  try {
    value = route.handler(request);
  } catch (err) {
    return thrownResult(err, to);
  }
  if (isThenable(value)) {
    // Promise.resolve: a thenable that calls back synchronously still answers after this returns.
    Promise.resolve(value).then(
      (resolved) => settle(finish(resolved, route, request, serializerFor, to), later),
      (err: unknown) => later(thrownResult(err, to)),
    );
    return undefined;
  }
  const result = finish(value, route, request, serializerFor, to);
  if (!(result instanceof Promise)) return result;
  void result.then(later);
  return undefined;
}

function settle(result: TaskResult | Promise<TaskResult>, later: (result: TaskResult) => void): void {
  if (result instanceof Promise) void result.then(later);
  else later(result);
}

function finish(
  value: unknown,
  route: RouteDefinition,
  request: RequestContext,
  serializerFor: SerializerFor | undefined,
  to: ResultDestination,
): TaskResult | Promise<TaskResult> {
  try {
    // Plain data (the common case) is serialized at once; a stream, bare or in a reply(), is sent as it comes.
    const stream = typeof value === 'object' && value !== null ? streamReply(value) : undefined;
    if (stream) return streamResult(stream.body, stream.status, stream.headers, request, to);
    return toTaskResult(value, serializerFor);
  } catch (err) {
    return unsendableResult(err, route.key, to);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
