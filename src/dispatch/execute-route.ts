import type { RouteDefinition } from '../api/route-registry';
import type { HandlerRequest } from '../api/types';
import type { RequestContext } from './handler-request';
import { streamReply, thrownResult, toTaskResult, unsendableResult, type SerializerFor } from './serialize-result';
import { streamResult } from './stream-result';
import type { TaskResult } from './task';

/**
 * Runs one handler and always ends in a TaskResult, never a rejection: a throw becomes an
 * error result for the accepting thread's error handler, an unsendable value a 500.
 * Synchronous handlers return synchronously so a thread can answer them without an extra turn
 * of its event loop; a returned stream resolves once its first chunk is there
 * (dispatch/stream-result.ts). `crossing`: the result will be posted to another thread (errors
 * are packed as data then, streams become ports).
 */
export function executeRoute(
  route: RouteDefinition,
  request: HandlerRequest & RequestContext,
  serializerFor: SerializerFor | undefined,
  crossing: boolean,
): TaskResult | Promise<TaskResult> {
  let value: unknown;
  try {
    value = route.handler(request);
  } catch (err) {
    return thrownResult(err, crossing);
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(
      (resolved) => finish(resolved, route, request, serializerFor, crossing),
      (err: unknown) => thrownResult(err, crossing),
    );
  }
  return finish(value, route, request, serializerFor, crossing);
}

function finish(
  value: unknown,
  route: RouteDefinition,
  request: RequestContext,
  serializerFor: SerializerFor | undefined,
  crossing: boolean,
): TaskResult | Promise<TaskResult> {
  try {
    const stream = streamReply(value);
    if (stream) return streamResult(stream.body, stream.status, stream.headers, request, crossing);
    return toTaskResult(value, serializerFor);
  } catch (err) {
    return unsendableResult(err, route.key, crossing);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
