import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext, HandlerRequest } from '../api/types';
import type { Logger } from '../runtime/logger';
import { errorToTaskResult, toTaskResult, unsendableResult } from './serialize-result';
import type { TaskRequest, TaskResult } from './task';

/**
 * Runs one handler and always ends in a TaskResult, never a rejection: a throw becomes its
 * HTTP status, an unsendable value a 500. Synchronous handlers return synchronously so a
 * thread can answer them without an extra turn of its event loop.
 */
export function executeRoute(route: RouteDefinition, request: TaskRequest, ctx: GopoolContext, log: Logger): TaskResult | Promise<TaskResult> {
  let value: unknown;
  try {
    const input = request as HandlerRequest;
    input.ctx = ctx;
    value = route.handler(input);
  } catch (err) {
    return errorToTaskResult(err, route.key, log);
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(
      (resolved) => finish(resolved, route, log),
      (err: unknown) => errorToTaskResult(err, route.key, log),
    );
  }
  return finish(value, route, log);
}

function finish(value: unknown, route: RouteDefinition, log: Logger): TaskResult {
  try {
    return toTaskResult(value);
  } catch (err) {
    return unsendableResult(err, route.key, log);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
