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

// ---- supervision, command line, options (usage errors too) ------------------------------

// options (flags, environment, config file, code)
export const ERR_OPTION_INVALID = usage<[where: string, problem: string]>('GOPOOL_ERR_OPTION_INVALID', '%s %s');
export const ERR_OPTION_UNKNOWN = usage<[source: string, key: string, hint: string]>('GOPOOL_ERR_OPTION_UNKNOWN', '%s: unknown option "%s"%s');
export const ERR_OPTIONS_NOT_OBJECT = usage<[source: string]>('GOPOOL_ERR_OPTIONS_NOT_OBJECT', '%s: options must be an object');
export const ERR_MIN_ABOVE_MAX = usage<[min: number, max: number]>('GOPOOL_ERR_MIN_ABOVE_MAX', 'min-threads (%d) is larger than max-threads (%d)');
export const ERR_CONFIG_NOT_FOUND = usage<[file: string]>('GOPOOL_ERR_CONFIG_NOT_FOUND', 'config file not found: %s');
export const ERR_CONFIG_LOAD = usage<[file: string, reason: string]>('GOPOOL_ERR_CONFIG_LOAD', 'config file %s failed to load: %s');
export const ERR_CONFIG_INVALID = usage<[file: string, field: string, problem: string]>('GOPOOL_ERR_CONFIG_INVALID', 'config file %s: %s %s');
export const ERR_CONFIG_NO_ENV = usage<[file: string, section: string, env: string]>('GOPOOL_ERR_CONFIG_NO_ENV', 'config file %s has no section "%s" for --env %s');
export const ERR_NO_APP = usage<[dir: string]>('GOPOOL_ERR_NO_APP', 'no app file given, and no gopool.config.{js,mjs,cjs,json} with an "app" field in %s');

// instances, GOPOOL_HOME, the daemon
export const ERR_BAD_NAME = usage<[name: string]>('GOPOOL_ERR_BAD_NAME', 'instance name must be 1-64 letters, digits, ".", "_" or "-", got "%s"');
export const ERR_INSTANCE_RUNNING = usage<[name: string, pid: string]>('GOPOOL_ERR_INSTANCE_RUNNING', 'an instance named "%s" is already running%s; stop it or choose another --name');
export const ERR_HOME_NOT_DIRECTORY = usage<[home: string]>('GOPOOL_ERR_HOME_NOT_DIRECTORY', 'GOPOOL_HOME %s is not a directory');
export const ERR_HOME_NOT_OWNED = usage<[home: string, owner: number, uid: number]>('GOPOOL_ERR_HOME_NOT_OWNED', 'GOPOOL_HOME %s belongs to uid %d, not to this user (uid %d): another user could plant files there; use a folder of your own');
export const ERR_HOME_WORLD_WRITABLE = usage<[home: string]>('GOPOOL_ERR_HOME_WORLD_WRITABLE', 'GOPOOL_HOME %s is writable by every user and has no sticky bit: another user could replace its files; use a private folder');
export const ERR_UNSAFE_PATH = usage<[path: string, what: string]>('GOPOOL_ERR_UNSAFE_PATH', '%s is %s: refusing to use it (a symbolic link or a file of another user in GOPOOL_HOME)');
export const ERR_DAEMON_SPEC = usage<[variable: string]>('GOPOOL_ERR_DAEMON_SPEC', '%s is not set: this file is started by gopool start --daemon');
export const ERR_BAD_HOST = usage<[host: string]>('GOPOOL_ERR_BAD_HOST', '--host must be an IP address (such as 127.0.0.1 or 0.0.0.0), got "%s"');
export const ERR_ADDRESS_IN_USE = usage<[where: string]>('GOPOOL_ERR_ADDRESS_IN_USE', 'cannot listen on %s: address already in use (another server on that port?)');
export const ERR_LISTEN_DENIED = usage<[where: string]>('GOPOOL_ERR_LISTEN_DENIED', 'cannot listen on %s: permission denied (ports below 1024 need privileges)');
export const ERR_ADDRESS_NOT_AVAILABLE = usage<[where: string]>('GOPOOL_ERR_ADDRESS_NOT_AVAILABLE', 'cannot listen on %s: no such address on this machine');
export const ERR_LISTEN = usage<[where: string, code: string]>('GOPOOL_ERR_LISTEN', 'cannot listen on %s: %s');
export const ERR_DAEMON_STATE = usage<[from: string, to: string]>('GOPOOL_ERR_DAEMON_STATE', 'gopool daemon: no move from %s to %s (a bug in gopool)');
export const ERR_START_FAILED = usage<[reason: string]>('GOPOOL_ERR_START_FAILED', '%s');

// management commands (status, stop, reload, logs)
export const ERR_NO_INSTANCE = usage<[home: string]>('GOPOOL_ERR_NO_INSTANCE', 'no gopool instance is running (looked in %s)');
export const ERR_SEVERAL_INSTANCES = usage<[names: string]>('GOPOOL_ERR_SEVERAL_INSTANCES', 'several instances are running (%s); name one');
export const ERR_NOT_RUNNING = usage<[name: string, home: string]>('GOPOOL_ERR_NOT_RUNNING', 'no running instance named "%s" (looked in %s)');
export const ERR_CONTROL_TIMEOUT = usage<[socket: string, ms: number]>('GOPOOL_ERR_CONTROL_TIMEOUT', 'no answer from %s within %d ms');
export const ERR_CONTROL_UNREADABLE = usage<[socket: string, answer: string]>('GOPOOL_ERR_CONTROL_UNREADABLE', 'unreadable answer from %s: %s');
export const ERR_COMMAND_FAILED = usage<[reason: string]>('GOPOOL_ERR_COMMAND_FAILED', '%s');
export const ERR_STOP_TIMEOUT = usage<[pid: number, seconds: number]>('GOPOOL_ERR_STOP_TIMEOUT', 'the daemon (pid %d) is still running after %d s');
export const ERR_NO_LOG = usage<[name: string, path: string]>('GOPOOL_ERR_NO_LOG', 'no log for "%s" at %s (logs are written for instances started with --daemon)');
export const ERR_NO_LOG_NAME = usage<[why: string]>('GOPOOL_ERR_NO_LOG_NAME', '%s');
export const ERR_STARTUP_TARGET = usage<[target: string]>('GOPOOL_ERR_STARTUP_TARGET', 'startup supports systemd only, got "%s"');

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
export const ERR_HANDLER_CRASHED = request<[route: string]>('GOPOOL_ERR_HANDLER_CRASHED', 'the handler of %s crashed its thread (an exception thrown where nothing could catch it)', 500);
export const ERR_HANDLER_INTERRUPTED = request<[route: string, ms: number]>('GOPOOL_ERR_HANDLER_INTERRUPTED', 'the handler of %s was stopped after running synchronously for %d ms', 504);
/** Never sent (nobody is there to read it): the reason a handler's signal aborts when its client leaves. */
export const ERR_CLIENT_GONE = request<[]>('GOPOOL_ERR_CLIENT_GONE', 'the client closed the connection before its answer', 499);
export const ERR_MASTER_UNREACHABLE = request<[]>('GOPOOL_ERR_MASTER_UNREACHABLE', 'the master could not answer this request', 502);
// streams (a response's headers are out by then: these end the connection and are logged)
export const ERR_STREAM_IDLE = request<[route: string, ms: number]>('GOPOOL_ERR_STREAM_IDLE', 'the response stream of %s produced nothing for %d ms', 504);
export const ERR_STREAM_CUT = request<[route: string]>('GOPOOL_ERR_STREAM_CUT', 'the stream of %s was cut off (the thread at its other end exited or dropped it)', 502);
export const ERR_STREAM_CHUNK = request<[type: string]>('GOPOOL_ERR_STREAM_CHUNK', 'a stream chunk must be a string, a Buffer or a typed array, got %s', 500);
export const ERR_SSE_SOURCE = request<[type: string]>('GOPOOL_ERR_SSE_SOURCE', 'gopool.sse() wants an async iterable (or iterable) of events, got %s', 500);
// request bodies
export const ERR_BODY_TOO_LARGE = request<[limit: number]>('GOPOOL_ERR_BODY_TOO_LARGE', 'the request body is larger than %d bytes', 413);

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
  ERR_RESULT_NOT_SENDABLE, ERR_HANDLER_CRASHED, ERR_HANDLER_INTERRUPTED, ERR_CLIENT_GONE, ERR_MASTER_UNREACHABLE,
  ERR_STREAM_IDLE, ERR_STREAM_CUT, ERR_STREAM_CHUNK, ERR_SSE_SOURCE, ERR_BODY_TOO_LARGE,
  ERR_OPTION_INVALID, ERR_OPTION_UNKNOWN, ERR_OPTIONS_NOT_OBJECT, ERR_MIN_ABOVE_MAX,
  ERR_CONFIG_NOT_FOUND, ERR_CONFIG_LOAD, ERR_CONFIG_INVALID, ERR_CONFIG_NO_ENV, ERR_NO_APP,
  ERR_BAD_NAME, ERR_INSTANCE_RUNNING, ERR_HOME_NOT_DIRECTORY, ERR_HOME_NOT_OWNED, ERR_HOME_WORLD_WRITABLE,
  ERR_UNSAFE_PATH, ERR_DAEMON_SPEC, ERR_BAD_HOST, ERR_ADDRESS_IN_USE, ERR_LISTEN_DENIED,
  ERR_ADDRESS_NOT_AVAILABLE, ERR_LISTEN, ERR_DAEMON_STATE, ERR_START_FAILED,
  ERR_NO_INSTANCE, ERR_SEVERAL_INSTANCES, ERR_NOT_RUNNING, ERR_CONTROL_TIMEOUT, ERR_CONTROL_UNREADABLE,
  ERR_COMMAND_FAILED, ERR_STOP_TIMEOUT, ERR_NO_LOG, ERR_NO_LOG_NAME, ERR_STARTUP_TARGET,
] as const;

/** Prints the one-line message for a start-up failure and sets a non-zero exit code. */
export function reportStartFailure(err: unknown): void {
  const message = err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`gopool: ${message}\n`);
  process.exitCode = 1;
}
