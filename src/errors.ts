/**
 * Every error gopool raises, each with a code and an HTTP status, in one place (as fastify's
 * lib/errors.js). Built with @fastify/error, so a gopool error looks like a fastify one to an
 * error handler: `err.code`, `err.statusCode`, `err.message`. docs/errors.md lists them; a test
 * keeps the two in step. Tests match codes, never message text.
 *
 * Two families:
 * - start-up and usage errors (`GopoolError` base): a mistake the user can fix; the CLI and the
 *   start functions print the message as one line and exit 1, without a stack trace;
 * - request errors (4xx/5xx): what a client is answered when its request cannot be served.
 */
import createError from '@fastify/error';

/** Base of the start-up and usage errors: printed as one line, exit code 1. */
export class GopoolError extends Error {
  code = 'GOPOOL_ERR';
  statusCode = 500;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GopoolError';
  }
}

const usage = <Args extends unknown[]>(code: string, message: string) =>
  createError<string, Args>(code, message, 500, GopoolError as unknown as ErrorConstructor);

// ---- start-up and usage ------------------------------------------------------------------

export const ERR_APP_NOT_FOUND = usage<[file: string]>('GOPOOL_ERR_APP_NOT_FOUND', 'app file not found: %s');

// ---- the app's definition (thrown where the user's file calls gopool) --------------------

export const ERR_ROUTE_AFTER_START = usage<[route: string, reason: string]>('GOPOOL_ERR_ROUTE_AFTER_START', 'route %s was registered after %s; register every route before starting');
export const ERR_ROUTE_PATH = usage<[path: string]>('GOPOOL_ERR_ROUTE_PATH', 'route path must be a string starting with "/", got %s');
export const ERR_ROUTE_HANDLER = usage<[route: string, type: string]>('GOPOOL_ERR_ROUTE_HANDLER', 'the handler of %s must be a function, got %s');
export const ERR_ROUTE_DUPLICATE = usage<[route: string]>('GOPOOL_ERR_ROUTE_DUPLICATE', 'route %s is registered twice');
export const ERR_ROUTE_OPTION = usage<[route: string, problem: string]>('GOPOOL_ERR_ROUTE_OPTION', 'route %s: %s');
export const ERR_SETUP_AFTER_START = usage<[call: string, reason: string]>('GOPOOL_ERR_SETUP_AFTER_START', 'gopool.%s() was called after %s; set the app up before starting');
export const ERR_SETUP_ARGUMENT = usage<[call: string, problem: string]>('GOPOOL_ERR_SETUP_ARGUMENT', 'gopool.%s(): %s');
export const ERR_STARTED_TWICE = usage<[]>('GOPOOL_ERR_STARTED_TWICE', 'gopool was started twice; call startWithThreadsPool() or startWithSingle() once');
export const ERR_NO_APP_FILE = usage<[]>('GOPOOL_ERR_NO_APP_FILE', 'cannot tell which file to load in the threads (no script in process.argv[1])');
export const ERR_ON_MASTER = usage<[problem: string]>('GOPOOL_ERR_ON_MASTER', 'gopool.onMaster: %s');
export const ERR_CTX_NOT_CLONEABLE = usage<[reason: string]>('GOPOOL_ERR_CTX_NOT_CLONEABLE', 'ctx cannot be copied into the threads (only plain data can: no functions, sockets or class instances with private state): %s');
export const ERR_THREAD_ROUTES_DIFFER = usage<[missing: string]>('GOPOOL_ERR_THREAD_ROUTES_DIFFER', 'routes registered in the master are missing in a thread: %s (route registration must not depend on the role)');
export const ERR_THREADS_FAILED = usage<[reason: string]>('GOPOOL_ERR_THREADS_FAILED', 'the worker threads could not start: %s');

// ---- requests (the client's answer; an error handler sees these) -------------------------

const request = <Args extends unknown[]>(code: string, message: string, status: number) => createError<string, Args>(code, message, status);

export const ERR_TIMEOUT = request<[ms: number]>('GOPOOL_ERR_TIMEOUT', 'no response within %d ms', 504);
export const ERR_QUEUE_FULL = request<[]>('GOPOOL_ERR_QUEUE_FULL', 'every thread is busy and the queue is full', 503);
export const ERR_THREAD_EXIT = request<[detail: string]>('GOPOOL_ERR_THREAD_EXIT', 'the thread running this request exited (%s)', 503);
export const ERR_CLOSED = request<[]>('GOPOOL_ERR_CLOSED', 'the server is shutting down', 503);
export const ERR_NO_THREAD = request<[]>('GOPOOL_ERR_NO_THREAD', 'no thread could start; see the log', 503);
export const ERR_REQUEST_NOT_CLONEABLE = request<[reason: string]>('GOPOOL_ERR_REQUEST_NOT_CLONEABLE', 'the request cannot be handed to a thread: %s', 400);
export const ERR_JSON_TOO_DEEP = request<[limit: number]>('GOPOOL_ERR_JSON_TOO_DEEP', 'the JSON body is nested deeper than %d levels', 400);
export const ERR_RESULT_NOT_SENDABLE = request<[route: string, reason: string]>('GOPOOL_ERR_RESULT_NOT_SENDABLE', 'the value returned by %s cannot be sent: %s', 500);
export const ERR_HANDLER_INTERRUPTED = request<[route: string, ms: number]>('GOPOOL_ERR_HANDLER_INTERRUPTED', 'the handler of %s was stopped after running synchronously for %d ms', 504);
/** Never sent (nobody is there to read it): the reason a handler's signal aborts when its client leaves. */
export const ERR_CLIENT_GONE = request<[]>('GOPOOL_ERR_CLIENT_GONE', 'the client closed the connection before its answer', 499);
export const ERR_MASTER_UNREACHABLE = request<[]>('GOPOOL_ERR_MASTER_UNREACHABLE', 'the master could not answer this request', 502);

/** Seconds a client should wait before trying again, for the request errors where that helps. */
export const RETRY_AFTER: Readonly<Record<string, number>> = {
  GOPOOL_ERR_QUEUE_FULL: 1,
  GOPOOL_ERR_THREAD_EXIT: 1,
  GOPOOL_ERR_CLOSED: 1,
  GOPOOL_ERR_NO_THREAD: 5,
};

/** A request error that crossed threads as its code and message, made an error again. */
export function rebuildRequestError(code: string, message: string): Error & { code: string; statusCode?: number } {
  const Ctor = codeIndex().get(code);
  const err = (Ctor ? new Ctor() : new Error(message)) as Error & { code: string; statusCode?: number };
  err.message = message;
  err.code = code;
  return err;
}

let byCode: Map<string, new () => Error> | undefined;
function codeIndex(): Map<string, new () => Error> {
  return (byCode ??= new Map((ERROR_CODES as readonly (new () => Error & { code: string })[]).map((Ctor) => [new Ctor().code, Ctor] as const)));
}

/** The README's errors table and docs/errors.md come from this list. */
export const ERROR_CODES = [
  ERR_APP_NOT_FOUND,
  ERR_ROUTE_AFTER_START, ERR_ROUTE_PATH, ERR_ROUTE_HANDLER, ERR_ROUTE_DUPLICATE, ERR_ROUTE_OPTION, ERR_SETUP_AFTER_START, ERR_SETUP_ARGUMENT,
  ERR_STARTED_TWICE, ERR_NO_APP_FILE, ERR_ON_MASTER, ERR_CTX_NOT_CLONEABLE, ERR_THREAD_ROUTES_DIFFER, ERR_THREADS_FAILED,
  ERR_TIMEOUT, ERR_QUEUE_FULL, ERR_THREAD_EXIT, ERR_CLOSED, ERR_NO_THREAD, ERR_REQUEST_NOT_CLONEABLE, ERR_JSON_TOO_DEEP,
  ERR_RESULT_NOT_SENDABLE, ERR_HANDLER_INTERRUPTED, ERR_CLIENT_GONE, ERR_MASTER_UNREACHABLE,
] as const;

/** Prints the one-line message for a start-up failure and sets a non-zero exit code. */
export function reportStartFailure(err: unknown): void {
  const message = err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`gopool: ${message}\n`);
  process.exitCode = 1;
}
