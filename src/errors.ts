/**
 * Every error gopool raises, each with a code and an HTTP status, in one place (as fastify's
 * lib/errors.js). Built with @fastify/error, so a gopool error looks like a fastify one to an
 * error handler: `err.code`, `err.statusCode`, `err.message`. Each one says when it happens and
 * what to do about it: docs/errors.md is generated from that (scripts/errors-doc.mjs), and
 * test/internals/errors.test.ts keeps the two in step. Tests match codes, never message text.
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

/** What docs/errors.md says about a code: when it happens, and what to do. */
export interface ErrorDoc {
  when: string;
  fix: string;
}

const DOCS = new Map<string, ErrorDoc & { message: string }>();

function documented(code: string, message: string, doc: ErrorDoc | undefined): void {
  DOCS.set(code, { message, when: doc?.when ?? '', fix: doc?.fix ?? '' });
}

/** An error that may carry what caused it (the last argument: `{ cause }`). */
type Caused = { cause: unknown };

const usage = <Args extends unknown[]>(code: string, message: string, doc?: ErrorDoc) => {
  documented(code, message, doc);
  return createError<string, Args>(code, message, 500, GopoolError as unknown as ErrorConstructor);
};

const request = <Args extends unknown[]>(code: string, message: string, status: number, doc?: ErrorDoc) => {
  documented(code, message, doc);
  return createError<string, Args>(code, message, status);
};

// ---- start-up and usage: the app file -----------------------------------------------------

export const ERR_APP_NOT_FOUND = usage<[file: string]>('GOPOOL_ERR_APP_NOT_FOUND', 'app file not found: %s', {
  when: "The app file given to `gopool start` (or a config file's `app`) does not exist.",
  fix: "Check the path: a relative one is resolved from the current folder (from the config file's folder for its `app`).",
});
export const ERR_APP_NOT_A_FILE = usage<[file: string]>('GOPOOL_ERR_APP_NOT_A_FILE', 'app file is not a file: %s', {
  when: 'The app path names a folder (or another thing that is not a file).',
  fix: 'Name the file that registers the routes, such as `app.js`, not its folder.',
});
export const ERR_APP_EXTENSION = usage<[file: string]>('GOPOOL_ERR_APP_EXTENSION', 'app file must end in .js, .mjs, .cjs or .ts: %s', {
  when: 'The app file is not a JavaScript or TypeScript file by its name.',
  fix: 'Point at the JavaScript or TypeScript file that registers the routes.',
});
export const ERR_APP_LOAD = usage<[file: string, reason: string, options?: Caused]>('GOPOOL_ERR_APP_LOAD', 'app file %s failed to load: %s', {
  when: 'Loading the app file threw: a syntax error, a module it requires is missing, its top level threw. Also why a reload (or a save in watch mode) left the previous code serving.',
  fix: 'The message names the error and the file and line where it happened: fix it there.',
});

export const ERR_APP_NEEDS_TSX = usage<[file: string]>(
  'GOPOOL_ERR_APP_NEEDS_TSX',
  'app file %s is TypeScript, which gopool loads with the package tsx (4.8 or newer), and tsx is not installed: npm install --save-dev tsx',
  {
    when: 'The app file is TypeScript (`.ts`, `.mts`, `.cts`, `.tsx`) and the package tsx, an optional peer dependency of gopool that JavaScript apps do without, is not installed where gopool is.',
    fix: "Run `npm install --save-dev tsx` in the app's folder (`npm install tsx` if its production install leaves out devDependencies), or compile the app to JavaScript and start that.",
  },
);

// ---- the app's definition (thrown where the user's file calls gopool) --------------------

export const ERR_ROUTE_AFTER_START = usage<[route: string, reason: string]>(
  'GOPOOL_ERR_ROUTE_AFTER_START',
  'route %s was registered after %s; register every route before starting',
  {
    when: 'A route was registered once the server (or a thread) had started: in a timer, a callback, after an `await`.',
    fix: 'Register every route at the top level of the app file (lines below the start call are fine: the start waits for the file to finish loading).',
  },
);
export const ERR_ROUTE_PATH = usage<[path: string]>('GOPOOL_ERR_ROUTE_PATH', 'route path must be a string starting with "/", got %s', {
  when: "A route's path is not a string starting with `/` (or `*`).",
  fix: "Use fastify's path syntax: `/users/:id`, `/files/*`.",
});
export const ERR_ROUTE_HANDLER = usage<[route: string, type: string]>('GOPOOL_ERR_ROUTE_HANDLER', 'the handler of %s must be a function, got %s', {
  when: 'A route was registered without a handler function.',
  fix: 'Pass the handler last: `gopool.get(path, [options], handler)`.',
});
export const ERR_ROUTE_DUPLICATE = usage<[route: string]>('GOPOOL_ERR_ROUTE_DUPLICATE', 'route %s is registered twice', {
  when: 'The same method and path were registered twice.',
  fix: 'Remove one registration, or give the two routes different paths.',
});
export const ERR_ROUTE_OPTION = usage<[route: string, problem: string]>('GOPOOL_ERR_ROUTE_OPTION', 'route %s: %s', {
  when: 'A route option is unknown or has a bad value; the message names it.',
  fix: "See the route options in the README (`timeout`, `runOn`, and fastify's `schema`, `config`, `bodyLimit`, `logLevel` and route hooks).",
});
export const ERR_SETUP_AFTER_START = usage<[call: string, reason: string]>(
  'GOPOOL_ERR_SETUP_AFTER_START',
  'gopool.%s() was called after %s; set the app up before starting',
  {
    when: '`gopool.register`, `gopool.addHook` or another fastify set-up call came once the server had started.',
    fix: 'Make those calls at the top level of the app file, like the routes.',
  },
);
export const ERR_SETUP_ARGUMENT = usage<[call: string, problem: string]>('GOPOOL_ERR_SETUP_ARGUMENT', 'gopool.%s(): %s', {
  when: 'A fastify set-up call on `gopool` was made without its arguments.',
  fix: 'Pass what the fastify method of the same name takes.',
});
export const ERR_SHARE_BUDGET = usage<[budget: string]>('GOPOOL_ERR_SHARE_BUDGET', 'share(%s): the budget must be a whole number of at least 1', {
  when: '`share(budget)` (the argument of `onThreadStart`) was given something other than a whole number of at least 1.',
  fix: 'Pass the per-process budget, e.g. `share(10)` for 10 database connections in all.',
});
export const ERR_STARTED_TWICE = usage<[]>('GOPOOL_ERR_STARTED_TWICE', 'gopool was started twice; call startWithThreadsPool() or startWithSingle() once', {
  when: 'A start function was called a second time in the same process.',
  fix: 'Call one start function once. Under `gopool start` the CLI starts the app; the call there only gives options.',
});
export const ERR_NO_APP_FILE = usage<[]>('GOPOOL_ERR_NO_APP_FILE', 'cannot tell which file to load in the threads (no script in process.argv[1])', {
  when: 'A start function was called from code that is not a file Node runs (`node -e`, a REPL).',
  fix: 'Put the app in a file and run `node app.js` or `gopool start app.js`: the threads load that file.',
});
export const ERR_ON_MASTER = usage<[problem: string]>('GOPOOL_ERR_ON_MASTER', 'gopool.onMaster: %s', {
  when: '`gopool.onMaster` was set to something other than a function.',
  fix: 'Assign a function: `gopool.onMaster = async ({ app, ctx }) => { ... }`.',
});
export const ERR_CTX_NOT_CLONEABLE = usage<[reason: string]>(
  'GOPOOL_ERR_CTX_NOT_CLONEABLE',
  'ctx cannot be copied into the threads (only plain data can: no functions, sockets or class instances with private state): %s',
  {
    when: 'The `ctx` built in `onMaster` holds something the structured clone cannot copy into a thread.',
    fix: 'Keep plain data in `ctx`; open connections in each thread (`onThreadStart`, or lazily on first use).',
  },
);
export const ERR_THREAD_ROUTES_DIFFER = usage<[missing: string]>(
  'GOPOOL_ERR_THREAD_ROUTES_DIFFER',
  'routes registered in the master are missing in a thread: %s (route registration must not depend on the role)',
  {
    when: 'A thread loaded the app file and did not register every route the master did.',
    fix: 'Register the same routes wherever the file loads: not depending on `isMainThread`, on variables set in `onMaster`, or on timing.',
  },
);
export const ERR_THREADS_FAILED = usage<[reason: string]>('GOPOOL_ERR_THREADS_FAILED', 'the worker threads could not start: %s', {
  when: "The first pool thread or the first ingress thread could not start: the app file failed to load in a thread, the app's set-up failed there (a plugin threw), `onThreadStart` threw, or the thread ran out of memory.",
  fix: 'The message says why. The app file is loaded in every thread: its top level must run there too.',
});

// ---- publish / subscribe (thrown where the app calls them) -----------------------------------

export const ERR_TOPIC_ARGUMENT = usage<[call: string, problem: string]>('GOPOOL_ERR_TOPIC_ARGUMENT', 'gopool.%s(): %s', {
  when: '`gopool.publish()` or `gopool.subscribe()` got a topic that is not a non-empty string, or `subscribe` a listener that is not a function.',
  fix: "Name topics with strings (`'chat'`, `'room:42'`) and pass a function to call with each message.",
});
export const ERR_PUBLISH_NOT_CLONEABLE = usage<[topic: string, reason: string]>(
  'GOPOOL_ERR_PUBLISH_NOT_CLONEABLE',
  'the message published to %s cannot be copied to the other threads (only structured-cloneable data can: no functions, sockets or class instances with private state): %s',
  {
    when: 'The data given to `gopool.publish()` holds something the structured clone cannot copy into another thread. Nothing was delivered, on any thread.',
    fix: 'Publish plain data (objects, arrays, strings, numbers, Dates, Maps, typed arrays): the id of a connection or a record rather than the object itself.',
  },
);

// ---- options (flags, environment, config file, code) -------------------------------------

export const ERR_OPTION_INVALID = usage<[where: string, problem: string]>('GOPOOL_ERR_OPTION_INVALID', '%s %s', {
  when: 'An option has a value of the wrong type or out of its range; the message says where it came from (flag, environment variable, code) and what is wrong.',
  fix: 'Give a value as the options table in the README describes it.',
});
export const ERR_OPTION_UNKNOWN = usage<[source: string, key: string, hint: string]>('GOPOOL_ERR_OPTION_UNKNOWN', '%s: unknown option "%s"%s', {
  when: 'The options passed to a start function hold a key that is not an option.',
  fix: 'Check its spelling against the options table in the README.',
});
export const ERR_OPTIONS_NOT_OBJECT = usage<[source: string]>('GOPOOL_ERR_OPTIONS_NOT_OBJECT', '%s: options must be an object', {
  when: 'A start function was given something other than an object of options.',
  fix: 'Pass an object: `startWithThreadsPool({ port: 3000 })`.',
});
export const ERR_MIN_ABOVE_MAX = usage<[min: number, max: number]>('GOPOOL_ERR_MIN_ABOVE_MAX', 'min-threads (%d) is larger than max-threads (%d)', {
  when: '`minThreads` is larger than `maxThreads` (whose default is the CPU count).',
  fix: 'Lower `minThreads` or raise `maxThreads`.',
});
export const ERR_CONFIG_NOT_FOUND = usage<[file: string]>('GOPOOL_ERR_CONFIG_NOT_FOUND', 'config file not found: %s', {
  when: '`--config` names a file that does not exist.',
  fix: 'Check the path.',
});
export const ERR_CONFIG_LOAD = usage<[file: string, reason: string]>('GOPOOL_ERR_CONFIG_LOAD', 'config file %s failed to load: %s', {
  when: 'The config file has a syntax error, threw while it loaded, or exported something that is not plain data.',
  fix: 'Fix it where the message says; export an object of plain values.',
});
export const ERR_CONFIG_INVALID = usage<[file: string, field: string, problem: string]>('GOPOOL_ERR_CONFIG_INVALID', 'config file %s: %s %s', {
  when: 'A field of the config file is not an option, or has a bad value; the message names the field.',
  fix: 'See docs/config.md. Environment variables for the app go under `env`.',
});
export const ERR_CONFIG_NO_ENV = usage<[file: string, section: string, env: string]>(
  'GOPOOL_ERR_CONFIG_NO_ENV',
  'config file %s has no section "%s" for --env %s',
  {
    when: '`--env <name>` names a section the config file does not have.',
    fix: 'Add an `env_<name>` section to the config file, or correct the name.',
  },
);
export const ERR_NO_APP = usage<[dir: string]>('GOPOOL_ERR_NO_APP', 'no app file given, and no gopool.config.{js,mjs,cjs,json} with an "app" field in %s', {
  when: '`gopool start` was given no app file, and no config file in the folder names one.',
  fix: 'Name the app file (`gopool start app.js`), or add `app` to the config file.',
});

// ---- HTTPS: the key and certificate files, read when a master starts ----------------------

export const ERR_HTTPS_INCOMPLETE = usage<[given: string, missing: string]>(
  'GOPOOL_ERR_HTTPS_INCOMPLETE',
  'HTTPS needs both a key and a certificate: %s was given, %s was not',
  {
    when: 'One of `httpsKey` and `httpsCert` was given without the other.',
    fix: 'Give both (`--https-key key.pem --https-cert fullchain.pem`), or neither for plain HTTP.',
  },
);
export const ERR_HTTPS_FILE = usage<[what: string, file: string, reason: string]>('GOPOOL_ERR_HTTPS_FILE', 'cannot read the TLS %s file %s: %s', {
  when: 'The key or certificate file named by `httpsKey` / `httpsCert` does not exist or cannot be read by the user gopool runs as. A start stops here; a reload leaves the previous master serving.',
  fix: 'Check the path (relative paths are from the folder gopool was started in; in a config file, from its folder) and the permissions.',
});
export const ERR_HTTPS_KEY = usage<[file: string, reason: string]>('GOPOOL_ERR_HTTPS_KEY', 'the TLS key file %s is not a usable private key: %s', {
  when: "`httpsKey` names a file that is not a PEM private key, or an encrypted one whose passphrase (`httpsPassphrase`) is missing or wrong; the message has OpenSSL's reason.",
  fix: 'Point it at the private key (`-----BEGIN PRIVATE KEY-----`, e.g. privkey.pem), and give the passphrase of an encrypted one.',
});
export const ERR_HTTPS_CERT = usage<[file: string, reason: string]>('GOPOOL_ERR_HTTPS_CERT', 'the TLS certificate file %s is not a usable certificate: %s', {
  when: "`httpsCert` names a file that is not a PEM certificate; the message has OpenSSL's reason.",
  fix: 'Point it at the certificate (`-----BEGIN CERTIFICATE-----`), with the intermediate certificates after it (e.g. fullchain.pem).',
});
export const ERR_HTTPS_MISMATCH = usage<[key: string, cert: string, reason: string]>(
  'GOPOOL_ERR_HTTPS_MISMATCH',
  'the TLS key file %s does not belong to the certificate in %s: %s',
  {
    when: 'The key and the certificate are each readable but not a pair: often a renewed certificate next to the old key, or the files swapped in part.',
    fix: "Give the key the certificate was issued for (with Let's Encrypt: privkey.pem beside fullchain.pem, from the same renewal).",
  },
);

// ---- instances, GOPOOL_HOME, the daemon ---------------------------------------------------

export const ERR_BAD_NAME = usage<[name: string]>('GOPOOL_ERR_BAD_NAME', 'instance name must be 1-64 letters, digits, ".", "_" or "-", got "%s"', {
  when: "The instance name (`--name`, or the app file's name) cannot be a file name in GOPOOL_HOME.",
  fix: 'Choose a name of letters, digits, `.`, `_` and `-`, starting with a letter or a digit.',
});
export const ERR_INSTANCE_RUNNING = usage<[name: string, pid: string]>(
  'GOPOOL_ERR_INSTANCE_RUNNING',
  'an instance named "%s" is already running%s; stop it or choose another --name',
  {
    when: 'A daemon of the same name answers on its control socket.',
    fix: '`gopool stop <name>` first, or start this one with another `--name`.',
  },
);
export const ERR_HOME_NOT_DIRECTORY = usage<[home: string]>('GOPOOL_ERR_HOME_NOT_DIRECTORY', 'GOPOOL_HOME %s is not a directory', {
  when: 'GOPOOL_HOME (default `~/.gopool`) or its `logs` folder is not a folder.',
  fix: 'Point GOPOOL_HOME at a folder, or move the file away.',
});
export const ERR_HOME_NOT_OWNED = usage<[home: string, owner: number, uid: number]>(
  'GOPOOL_ERR_HOME_NOT_OWNED',
  'GOPOOL_HOME %s belongs to uid %d, not to this user (uid %d): another user could plant files there; use a folder of your own',
  {
    when: 'GOPOOL_HOME belongs to another user.',
    fix: 'Use a folder of your own (the default `~/.gopool` is).',
  },
);
export const ERR_HOME_WORLD_WRITABLE = usage<[home: string]>(
  'GOPOOL_ERR_HOME_WORLD_WRITABLE',
  'GOPOOL_HOME %s is writable by every user and has no sticky bit: another user could replace its files; use a private folder',
  {
    when: "Every user may write in GOPOOL_HOME and remove each other's files.",
    fix: 'Use a private folder (`chmod 700`), or the default `~/.gopool`.',
  },
);
export const ERR_UNSAFE_PATH = usage<[path: string, what: string]>(
  'GOPOOL_ERR_UNSAFE_PATH',
  '%s is %s: refusing to use it (a symbolic link or a file of another user in GOPOOL_HOME)',
  {
    when: "Where gopool keeps an instance's pid file, control socket or logs, there is a symbolic link or another user's file.",
    fix: 'Find out who put it there; remove it if it is not needed, or use another GOPOOL_HOME.',
  },
);
export const ERR_DAEMON_SPEC = usage<[variable: string]>('GOPOOL_ERR_DAEMON_SPEC', '%s is not set: this file is started by gopool start --daemon', {
  when: "The background daemon's entry file was run by hand.",
  fix: 'Start instances with `gopool start <app> --daemon`.',
});
export const ERR_MASTER_SPEC = usage<[variable: string]>('GOPOOL_ERR_MASTER_SPEC', '%s is not set: this file is started by the gopool daemon', {
  when: "The master process's entry file was run by hand.",
  fix: 'Start the app with `gopool start <app>` or `node <app>`.',
});
export const ERR_DAEMON_GONE = usage<[]>('GOPOOL_ERR_DAEMON_GONE', 'the daemon is gone', {
  when: 'A master asked its daemon for the listening socket after the daemon had exited.',
  fix: "None in the app: a master without its daemon drains and exits. The daemon's log says why it ended.",
});
export const ERR_BAD_HOST = usage<[host: string]>('GOPOOL_ERR_BAD_HOST', '--host must be an IP address (such as 127.0.0.1 or 0.0.0.0), got "%s"', {
  when: '`host` is not an IP address (host names are not resolved).',
  fix: 'Give an address: `127.0.0.1`, `0.0.0.0` for every interface, `::` for IPv6 too.',
});
export const ERR_ADDRESS_IN_USE = usage<[where: string]>(
  'GOPOOL_ERR_ADDRESS_IN_USE',
  'cannot listen on %s: address already in use (another server on that port?)',
  {
    when: 'Another process listens on the port.',
    fix: 'Stop the other server, or choose another `--port` (0 picks a free one).',
  },
);
export const ERR_LISTEN_DENIED = usage<[where: string]>(
  'GOPOOL_ERR_LISTEN_DENIED',
  'cannot listen on %s: permission denied (ports below 1024 need privileges)',
  {
    when: 'The port is below 1024 and the process may not bind it.',
    fix: 'Listen on a port from 1024 up behind a proxy, or give Node the `CAP_NET_BIND_SERVICE` capability.',
  },
);
export const ERR_ADDRESS_NOT_AVAILABLE = usage<[where: string]>('GOPOOL_ERR_ADDRESS_NOT_AVAILABLE', 'cannot listen on %s: no such address on this machine', {
  when: '`host` is not an address of this machine.',
  fix: "Use one of the machine's addresses, or `0.0.0.0`.",
});
export const ERR_LISTEN = usage<[where: string, code: string, options?: Caused]>('GOPOOL_ERR_LISTEN', 'cannot listen on %s: %s', {
  when: 'Binding or listening failed for another reason; the message names the system error.',
  fix: 'Look the system error up (`man 2 bind`, `man 2 listen`).',
});
export const ERR_DAEMON_STATE = usage<[from: string, to: string]>('GOPOOL_ERR_DAEMON_STATE', 'gopool daemon: no move from %s to %s (a bug in gopool)', {
  when: 'The daemon tried a state change its state table does not allow: a bug in gopool.',
  fix: "Report it, with the daemon's log.",
});
export const ERR_START_FAILED = usage<[reason: string]>('GOPOOL_ERR_START_FAILED', '%s', {
  when: '`gopool start --daemon`: the background daemon could not start the app; the message is its reason.',
  fix: "Act on the reason; the instance's log (`gopool logs <name>`, or the file the message names) has the rest.",
});
export const ERR_POOL_UNSUPERVISED = usage<[]>('GOPOOL_ERR_POOL_UNSUPERVISED', 'pool mode was started without its daemon', {
  when: 'The server of pool mode was started in a process that is not the master of a gopool daemon: a bug in gopool (`node app.js` and `gopool start` always start the daemon first).',
  fix: 'Report it, with the log.',
});
export const ERR_NOT_TCP = usage<[]>('GOPOOL_ERR_NOT_TCP', 'the server is not listening on TCP', {
  when: 'A server gopool started has no TCP address after listening: a bug in gopool.',
  fix: 'Report it, with the log.',
});

// ---- management commands (status, stop, reload, logs, startup) ---------------------------

export const ERR_NO_INSTANCE = usage<[home: string]>('GOPOOL_ERR_NO_INSTANCE', 'no gopool instance is running (looked in %s)', {
  when: 'A command that needs an instance found none running.',
  fix: 'Start one, or run the command with the GOPOOL_HOME the instance was started with.',
});
export const ERR_SEVERAL_INSTANCES = usage<[names: string]>('GOPOOL_ERR_SEVERAL_INSTANCES', 'several instances are running (%s); name one', {
  when: 'A command was given no instance name and several are running.',
  fix: 'Name the instance: `gopool reload api`.',
});
export const ERR_NOT_RUNNING = usage<[name: string, home: string]>('GOPOOL_ERR_NOT_RUNNING', 'no running instance named "%s" (looked in %s)', {
  when: 'No daemon answers for the instance named.',
  fix: '`gopool status` lists the running instances; check the name and GOPOOL_HOME.',
});
export const ERR_CONTROL_TIMEOUT = usage<[socket: string, ms: number]>('GOPOOL_ERR_CONTROL_TIMEOUT', 'no answer from %s within %d ms', {
  when: 'The daemon did not answer a command in time.',
  fix: "Look at the daemon's log; its pid is in `<GOPOOL_HOME>/<name>.pid`.",
});
export const ERR_CONTROL_UNREADABLE = usage<[socket: string, answer: string]>('GOPOOL_ERR_CONTROL_UNREADABLE', 'unreadable answer from %s: %s', {
  when: "The daemon's answer was not what this gopool expects (an instance started by another version?).",
  fix: 'Manage an instance with the gopool version that started it.',
});
export const ERR_COMMAND_FAILED = usage<[reason: string]>('GOPOOL_ERR_COMMAND_FAILED', '%s', {
  when: 'The daemon could not carry out a command (a reload that failed, a reload while starting); the message is its reason.',
  fix: 'Act on the reason; after a failed reload the previous master keeps serving.',
});
export const ERR_STOP_TIMEOUT = usage<[pid: number, seconds: number]>('GOPOOL_ERR_STOP_TIMEOUT', 'the daemon (pid %d) is still running after %d s', {
  when: '`gopool stop` waited for the daemon to exit, and it did not.',
  fix: 'Look at its log for what still runs; `kill -9 <pid>` ends it.',
});
export const ERR_NO_LOG = usage<[name: string, path: string]>(
  'GOPOOL_ERR_NO_LOG',
  'no log for "%s" at %s (logs are written for instances started with --daemon)',
  {
    when: '`gopool logs` found no log file: the instance runs in the foreground, or never ran with `--daemon`.',
    fix: 'A foreground instance logs to its stdout (journald, the container runtime).',
  },
);
export const ERR_NO_LOG_NAME = usage<[why: string]>('GOPOOL_ERR_NO_LOG_NAME', '%s', {
  when: '`gopool logs` was given no name, and not exactly one instance is running.',
  fix: 'Name the instance: `gopool logs api`.',
});
export const ERR_STARTUP_TARGET = usage<[target: string]>('GOPOOL_ERR_STARTUP_TARGET', 'startup supports systemd only, got "%s"', {
  when: '`gopool startup` was asked for an init system other than systemd.',
  fix: '`gopool startup systemd`; elsewhere, run `gopool start <app>` in the foreground under your supervisor.',
});

// ---- requests (the client's answer; an error handler sees these) -------------------------

export const ERR_TIMEOUT = request<[ms: number]>('GOPOOL_ERR_TIMEOUT', 'no response within %d ms', 504, {
  when: "The handler did not answer within its timeout (the route's `timeout`, else the `timeout` option). Its `signal` is aborted with this error.",
  fix: 'Give slow routes a longer `timeout`; pass `request.signal` to what the handler awaits, so the work stops with the request.',
});
export const ERR_QUEUE_FULL = request<[]>('GOPOOL_ERR_QUEUE_FULL', 'every thread is busy and the queue is full', 503, {
  when: 'Every worker thread was busy and `maxQueue` requests were already waiting. The answer has `Retry-After: 1`.',
  fix: 'More capacity (`maxThreads`, more instances); a larger `maxQueue` only if clients may wait longer.',
});
export const ERR_THREAD_EXIT = request<[detail: string]>('GOPOOL_ERR_THREAD_EXIT', 'the thread running this request exited (%s)', 503, {
  when: 'The thread running the request exited: out of memory (`maxThreadMemory`), crashed, or terminated when stuck. The answer has `Retry-After: 1`.',
  fix: 'The log says why the thread ended.',
});
export const ERR_CLOSED = request<[]>('GOPOOL_ERR_CLOSED', 'the server is shutting down', 503, {
  when: 'The request was still waiting for a thread when a stop or reload ended the grace period (or came after the pool closed). The answer has `Retry-After: 1`.',
  fix: 'Clients retry; a longer `gracePeriod` lets queued requests finish.',
});
export const ERR_NO_THREAD = request<[]>('GOPOOL_ERR_NO_THREAD', 'no thread could start; see the log', 503, {
  when: 'No worker thread was ready and none could start, so the queued requests are answered at once. The answer has `Retry-After: 5`.',
  fix: 'The log says why the thread could not start.',
});
export const ERR_REQUEST_NOT_CLONEABLE = request<[reason: string]>('GOPOOL_ERR_REQUEST_NOT_CLONEABLE', 'the request cannot be handed to a thread: %s', 400, {
  when: "The request cannot be copied to the handler's thread: `headerGetter` or `requestGetter` picked a function or a socket, or the body nests deeper than the structured clone allows.",
  fix: 'Pick plain data in `headerGetter` and `requestGetter`.',
});
export const ERR_JSON_TOO_DEEP = request<[limit: number]>('GOPOOL_ERR_JSON_TOO_DEEP', 'the JSON body is nested deeper than %d levels', 400, {
  when: "A JSON request body nests deeper than `jsonDepthLimit`, whichever parser reads it (gopool's, or one the app declared with `gopool.addContentTypeParser`: the value it returns is measured).",
  fix: 'Nothing, for a client probing the server; raise `jsonDepthLimit` for a real document that deep.',
});
export const ERR_DUPLICATE_HOST = request<[]>('GOPOOL_ERR_DUPLICATE_HOST', 'the request has more than one Host header', 400, {
  when: 'A request carries two or more `Host` headers. Node would keep the first; RFC 9112 (section 3.2) says to refuse it, since a proxy in front may have routed by the other one. The connection is closed.',
  fix: 'Nothing, for a client probing the server; a proxy that adds a second Host header is misconfigured.',
});
export const ERR_HTTP_VERSION = request<[version: string]>('GOPOOL_ERR_HTTP_VERSION', 'HTTP/%s is not supported on this connection', 505, {
  when: 'An HTTP/1 connection sent a request line with another major version (`HTTP/2.0`, for one). The connection is closed.',
  fix: 'Nothing, for a client probing the server; an HTTP/2 client talks to gopool through a proxy (nginx) that speaks HTTP/1.1 to it.',
});
export const ERR_RESULT_NOT_SENDABLE = request<[route: string, reason: string]>(
  'GOPOOL_ERR_RESULT_NOT_SENDABLE',
  'the value returned by %s cannot be sent: %s',
  500,
  {
    when: 'The handler returned something that cannot be sent; the message names the route and the reason (one of the codes below, or a BigInt or a cycle JSON cannot write).',
    fix: 'Return plain data, a string, bytes, or `gopool.reply(...)`.',
  },
);
export const ERR_REPLY_STATUS = request<[status: string]>('GOPOOL_ERR_REPLY_STATUS', 'reply() status must be an integer from 200 to 599, got %s', 500, {
  when: 'A handler returned `reply(body, { status })` with a status that is not an integer from 200 to 599 (the reason of a `GOPOOL_ERR_RESULT_NOT_SENDABLE`).',
  fix: 'Give a status from 200 to 599.',
});
export const ERR_REPLY_HEADERS = request<[problem: string]>('GOPOOL_ERR_REPLY_HEADERS', 'reply() %s', 500, {
  when: 'A handler returned `reply(body, { headers })` with headers that are not an object of strings, numbers or arrays of strings (the reason of a `GOPOOL_ERR_RESULT_NOT_SENDABLE`).',
  fix: 'Give header values as strings, numbers or arrays of strings.',
});
export const ERR_RESULT_TYPE = request<[type: string]>('GOPOOL_ERR_RESULT_TYPE', 'a %s cannot be sent as a response', 500, {
  when: 'A handler returned a function or a symbol (the reason of a `GOPOOL_ERR_RESULT_NOT_SENDABLE`).',
  fix: 'Return data: did the handler forget to call the function?',
});
export const ERR_RESULT_STREAM = request<[]>(
  'GOPOOL_ERR_RESULT_STREAM',
  'a stream or async iterable cannot be sent as a response: return the data itself',
  500,
  {
    when: 'A handler returned a stream or an async iterable (the reason of a `GOPOOL_ERR_RESULT_NOT_SENDABLE`).',
    fix: 'Return the data itself: a string, a Buffer, or plain data.',
  },
);
export const ERR_RESULT_EMPTY_JSON = request<[]>('GOPOOL_ERR_RESULT_EMPTY_JSON', 'the value serializes to nothing (a toJSON returning undefined?)', 500, {
  when: 'JSON of the returned value is nothing at all, as when its `toJSON()` returns undefined (the reason of a `GOPOOL_ERR_RESULT_NOT_SENDABLE`).',
  fix: 'Return `undefined` itself for a 204, or make `toJSON()` return data.',
});
export const ERR_HANDLER_CRASHED = request<[route: string]>(
  'GOPOOL_ERR_HANDLER_CRASHED',
  'the handler of %s crashed its thread (an exception thrown where nothing could catch it)',
  500,
  {
    when: 'An exception was thrown where nothing could catch it (in a timer or an event listener a handler left) while this handler alone was awaiting on the thread; the thread is replaced.',
    fix: 'Catch errors in the callbacks a handler starts, and await its promises.',
  },
);
export const ERR_HANDLER_INTERRUPTED = request<[route: string, ms: number]>(
  'GOPOOL_ERR_HANDLER_INTERRUPTED',
  'the handler of %s was stopped after running synchronously for %d ms',
  504,
  {
    when: 'The handler ran synchronous code past its timeout (an endless loop, a huge computation) and was stopped; its thread is replaced, its route runs on worker threads from then on.',
    fix: 'Find the loop; split long computations, or give the route a longer `timeout`.',
  },
);
/** Never sent (nobody is there to read it): the reason a handler's signal aborts when its client leaves. */
export const ERR_CLIENT_GONE = request<[]>('GOPOOL_ERR_CLIENT_GONE', 'the client closed the connection before its answer', 499, {
  when: 'Never sent: the reason `request.signal` aborts with when the client went away before its answer.',
  fix: 'Nothing; a handler may stop its work when its signal aborts.',
});
export const ERR_MASTER_UNREACHABLE = request<[]>('GOPOOL_ERR_MASTER_UNREACHABLE', 'the master could not answer this request', 502, {
  when: "An ingress thread could not get the master's answer for a route only the master has (added in `onMaster`, or monitoring on the public port).",
  fix: 'The log says why; it happens while a master stops.',
});
// streams (a response's headers are out by then: these end the connection and are logged)
export const ERR_STREAM_IDLE = request<[route: string, ms: number]>('GOPOOL_ERR_STREAM_IDLE', 'the response stream of %s produced nothing for %d ms', 504, {
  when: 'A streamed response produced no chunk for `streamIdleTimeout` ms (or nothing before the route timeout: then 504 before any byte).',
  fix: 'Make the producer send something (an SSE heartbeat), or raise `streamIdleTimeout`.',
});
export const ERR_STREAM_CUT = request<[route: string]>(
  'GOPOOL_ERR_STREAM_CUT',
  'the stream of %s was cut off (the thread at its other end exited or dropped it)',
  502,
  {
    when: 'The thread producing a streamed response (or reading a streamed body) exited midway.',
    fix: 'The log says why the thread exited (a crash, out of memory, a stop).',
  },
);
export const ERR_STREAM_CHUNK = request<[type: string]>('GOPOOL_ERR_STREAM_CHUNK', 'a stream chunk must be a string, a Buffer or a typed array, got %s', 500, {
  when: "A handler's stream or async iterable yielded something that is not text or bytes.",
  fix: 'Yield strings, Buffers or typed arrays (JSON.stringify objects yourself, or use gopool.sse()).',
});
export const ERR_SSE_SOURCE = request<[type: string]>('GOPOOL_ERR_SSE_SOURCE', 'gopool.sse() wants an async iterable (or iterable) of events, got %s', 500, {
  when: '`gopool.sse()` was given something that is not an (async) iterable.',
  fix: 'Pass an async generator or any iterable of events.',
});
// request bodies
export const ERR_BODY_TOO_LARGE = request<[limit: number]>('GOPOOL_ERR_BODY_TOO_LARGE', 'the request body is larger than %d bytes', 413, {
  when: 'A streamed or multipart request body went past `bodyLimit` (answered before the rest is read).',
  fix: "Send less, or raise `bodyLimit` (or the route's `bodyLimit`).",
});

/** Seconds a client should wait before trying again, for the request errors where that helps. */
export const RETRY_AFTER: Readonly<Record<string, number>> = {
  GOPOOL_ERR_QUEUE_FULL: 1,
  GOPOOL_ERR_THREAD_EXIT: 1,
  GOPOOL_ERR_CLOSED: 1,
  GOPOOL_ERR_NO_THREAD: 5,
};

/** docs/errors.md comes from this list, in this order. */
export const ERROR_CODES = [
  ERR_APP_NOT_FOUND,
  ERR_APP_NOT_A_FILE,
  ERR_APP_EXTENSION,
  ERR_APP_LOAD,
  ERR_APP_NEEDS_TSX,
  ERR_ROUTE_AFTER_START,
  ERR_ROUTE_PATH,
  ERR_ROUTE_HANDLER,
  ERR_ROUTE_DUPLICATE,
  ERR_ROUTE_OPTION,
  ERR_SETUP_AFTER_START,
  ERR_SETUP_ARGUMENT,
  ERR_SHARE_BUDGET,
  ERR_STARTED_TWICE,
  ERR_NO_APP_FILE,
  ERR_ON_MASTER,
  ERR_CTX_NOT_CLONEABLE,
  ERR_THREAD_ROUTES_DIFFER,
  ERR_THREADS_FAILED,
  ERR_TOPIC_ARGUMENT,
  ERR_PUBLISH_NOT_CLONEABLE,
  ERR_TIMEOUT,
  ERR_QUEUE_FULL,
  ERR_THREAD_EXIT,
  ERR_CLOSED,
  ERR_NO_THREAD,
  ERR_REQUEST_NOT_CLONEABLE,
  ERR_JSON_TOO_DEEP,
  ERR_DUPLICATE_HOST,
  ERR_HTTP_VERSION,
  ERR_RESULT_NOT_SENDABLE,
  ERR_REPLY_STATUS,
  ERR_REPLY_HEADERS,
  ERR_RESULT_TYPE,
  ERR_RESULT_STREAM,
  ERR_RESULT_EMPTY_JSON,
  ERR_HANDLER_CRASHED,
  ERR_HANDLER_INTERRUPTED,
  ERR_CLIENT_GONE,
  ERR_MASTER_UNREACHABLE,
  ERR_STREAM_IDLE,
  ERR_STREAM_CUT,
  ERR_STREAM_CHUNK,
  ERR_SSE_SOURCE,
  ERR_BODY_TOO_LARGE,
  ERR_OPTION_INVALID,
  ERR_OPTION_UNKNOWN,
  ERR_OPTIONS_NOT_OBJECT,
  ERR_MIN_ABOVE_MAX,
  ERR_CONFIG_NOT_FOUND,
  ERR_CONFIG_LOAD,
  ERR_CONFIG_INVALID,
  ERR_CONFIG_NO_ENV,
  ERR_NO_APP,
  ERR_HTTPS_INCOMPLETE,
  ERR_HTTPS_FILE,
  ERR_HTTPS_KEY,
  ERR_HTTPS_CERT,
  ERR_HTTPS_MISMATCH,
  ERR_BAD_NAME,
  ERR_INSTANCE_RUNNING,
  ERR_HOME_NOT_DIRECTORY,
  ERR_HOME_NOT_OWNED,
  ERR_HOME_WORLD_WRITABLE,
  ERR_UNSAFE_PATH,
  ERR_DAEMON_SPEC,
  ERR_MASTER_SPEC,
  ERR_DAEMON_GONE,
  ERR_BAD_HOST,
  ERR_ADDRESS_IN_USE,
  ERR_LISTEN_DENIED,
  ERR_ADDRESS_NOT_AVAILABLE,
  ERR_LISTEN,
  ERR_DAEMON_STATE,
  ERR_START_FAILED,
  ERR_NOT_TCP,
  ERR_POOL_UNSUPERVISED,
  ERR_NO_INSTANCE,
  ERR_SEVERAL_INSTANCES,
  ERR_NOT_RUNNING,
  ERR_CONTROL_TIMEOUT,
  ERR_CONTROL_UNREADABLE,
  ERR_COMMAND_FAILED,
  ERR_STOP_TIMEOUT,
  ERR_NO_LOG,
  ERR_NO_LOG_NAME,
  ERR_STARTUP_TARGET,
] as const;

/** One code as docs/errors.md shows it. */
export interface ErrorEntry extends ErrorDoc {
  code: string;
  /** `start-up`: printed as one line, exit code 1; `request`: a client's answer with `status`. */
  family: 'start-up' | 'request';
  status: number;
  /** The message, `%s` / `%d` where the details go. */
  message: string;
}

/** Every code with what docs/errors.md says of it, in the order of ERROR_CODES. */
export function errorCatalog(): ErrorEntry[] {
  return ERROR_CODES.map((Ctor) => {
    const err = new (Ctor as unknown as new () => Error & { code: string; statusCode: number })();
    const doc = DOCS.get(err.code) ?? { message: '', when: '', fix: '' };
    return { code: err.code, family: err instanceof GopoolError ? 'start-up' : 'request', status: err.statusCode, ...doc };
  });
}

/** An error that crossed threads or processes as its code and message, made an error again. */
export function rebuildError(code: string, message: string): Error & { code: string; statusCode?: number } {
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

/** The one line a start-up failure is reported with: the message of a usage error, the stack of anything else. */
export function startFailureMessage(err: unknown): string {
  return err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Prints the one-line message for a start-up failure and sets a non-zero exit code. */
export function reportStartFailure(err: unknown): void {
  process.stderr.write(`gopool: ${startFailureMessage(err)}\n`);
  process.exitCode = 1;
}
