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
 * it without an extra turn of its event loop, and a request pays for no promise or callback;
 * otherwise this returns a promise of the result (a returned stream's, once its first chunk is
 * there: dispatch/stream-result.ts), which settles after this returned. `to`: whether the
 * result will be posted to another thread (errors are packed as data then, streams become ports).
 */
export function executeRoute(
  route: RouteDefinition,
  request: HandlerRequest & RequestContext,
  serializerFor: SerializerFor | undefined,
  to: ResultDestination,
): TaskResult | Promise<TaskResult> {
  let value: unknown;
  try {
    value = route.handler(request);
  } catch (err) {
    return thrownResult(err, to);
  }
  if (isThenable(value)) {
    // Promise.resolve: a thenable that calls back synchronously still answers after this returns.
    return Promise.resolve(value).then(
      (resolved) => finish(resolved, route, request, serializerFor, to),
      (err: unknown) => thrownResult(err, to),
    );
  }
  return finish(value, route, request, serializerFor, to);
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
