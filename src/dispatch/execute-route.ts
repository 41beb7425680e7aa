import type { RouteDefinition } from '../api/route-registry';
import type { HandlerRequest } from '../api/types';
import { thrownResult, toTaskResult, unsendableResult, type SerializerFor } from './serialize-result';
import type { TaskResult } from './task';

/**
 * Runs one handler and always ends in a TaskResult, never a rejection: a throw becomes an
 * error result for the accepting thread's error handler, an unsendable value a 500.
 * Synchronous handlers return synchronously so a thread can answer them without an extra turn
 * of its event loop. `crossing`: the result will be posted to another thread (errors are
 * packed as data then).
 */
export function executeRoute(route: RouteDefinition, request: HandlerRequest, serializerFor: SerializerFor | undefined, crossing: boolean): TaskResult | Promise<TaskResult> {
  let value: unknown;
  try {
    value = route.handler(request);
  } catch (err) {
    return thrownResult(err, crossing);
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(
      (resolved) => finish(resolved, route, serializerFor, crossing),
      (err: unknown) => thrownResult(err, crossing),
    );
  }
  return finish(value, route, serializerFor, crossing);
}

function finish(value: unknown, route: RouteDefinition, serializerFor: SerializerFor | undefined, crossing: boolean): TaskResult {
  try {
    return toTaskResult(value, serializerFor);
  } catch (err) {
    return unsendableResult(err, route.key, crossing);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
