import { cpuCount } from './cpu-count';

/**
 * Every option in one table: its type, default, CLI flag, environment variable and help
 * text. The CLI, the environment reader, the validator and the README table are all
 * generated from it, so they cannot disagree.
 */
export interface GopoolOptions {
  port: number;
  host: string;
  timeout: number;
  minThreads: number;
  cpus: number;
  maxThreads: number;
  ingressThreads: number;
  minIngressThreads: number;
  cheapRouteMs: number;
  maxQueue: number;
  idleTimeout: number;
  concurrency: number;
  bodyLimit: number;
  gracePeriod: number;
  maxThreadMemory: number;
  youngGenerationMb: number;
  name: string;
  logLevel: string;
  infoUrl: string;
  logMaxBytes: number;
  logFiles: number;
  metrics: boolean;
  monitorPort: number;
  monitorHost: string;
  monitorToken: string;
  trustProxy: string;
  requestIdHeader: string;
  jsonDepthLimit: number;
  requestTimeout: number;
  headersTimeout: number;
  keepAliveTimeout: number;
  watch: boolean;
  streamIdleTimeout: number;
  httpsKey: string;
  httpsCert: string;
  httpsPassphrase: string;
  http2: boolean;
  requestLogging: boolean;
}

type Kind = 'int' | 'string' | 'bool';

export interface OptionSpec<K extends keyof GopoolOptions = keyof GopoolOptions> {
  key: K;
  kind: Kind;
  /** Long CLI flag without the dashes. */
  flag: string;
  env: string;
  describe: string;
  /** The default as shown in --help and the README. */
  shownDefault: string;
  defaultValue: () => GopoolOptions[K];
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** Must the string start with "/"? */
  urlPath?: boolean;
  /** A file's path: in a config file, relative to the config file's folder (as its `app`). */
  filePath?: boolean;
}

/**
 * The CPUs this process may use: the cgroup CPU quota, at most os.availableParallelism()
 * (cpu-count.ts); the default of `cpus` and of the counts that follow it. Named apart from the
 * option, which is what to plan for and may be set above or below this
 * (config/resolve-options.ts makes the counts follow a given `cpus`).
 */
const detectedCpus = (): number => cpuCount();

function int<K extends keyof GopoolOptions>(
  key: K,
  flag: string,
  describe: string,
  shownDefault: string,
  defaultValue: () => number,
  min: number,
  max = 2 ** 31 - 1,
): OptionSpec<K> {
  return { key, kind: 'int', flag, env: envName(flag), describe, shownDefault, defaultValue: defaultValue as () => GopoolOptions[K], min, max };
}

function str<K extends keyof GopoolOptions>(
  key: K,
  flag: string,
  describe: string,
  shownDefault: string,
  defaultValue: () => string,
  choices?: readonly string[],
): OptionSpec<K> {
  return {
    key,
    kind: 'string',
    flag,
    env: envName(flag),
    describe,
    shownDefault,
    defaultValue: defaultValue as () => GopoolOptions[K],
    ...(choices ? { choices } : {}),
  };
}

function bool<K extends keyof GopoolOptions>(key: K, flag: string, describe: string, defaultValue: boolean): OptionSpec<K> {
  return {
    key,
    kind: 'bool',
    flag,
    env: envName(flag),
    describe,
    shownDefault: String(defaultValue),
    defaultValue: (() => defaultValue) as () => GopoolOptions[K],
  };
}

function envName(flag: string): string {
  return `GOPOOL_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const OPTION_SPECS: readonly OptionSpec[] = [
  int('port', 'port', 'TCP port to listen on (0 picks a free port)', '3000', () => 3000, 0, 65535),
  str('host', 'host', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1', () => '127.0.0.1'),
  int('timeout', 'timeout', 'milliseconds a handler may take before the client gets 504', '10000', () => 10000, 1),
  int('minThreads', 'min-threads', 'worker threads kept alive when idle', '0', () => 0, 0, 1024),
  int(
    'cpus',
    'cpus',
    'CPUs to plan for: the defaults of max-threads, ingress-threads and max-queue follow it, and at most this many threads run CPU-heavy work or accept connections at once',
    'CPU count (detected: the cgroup CPU quota, at most the CPUs the process may run on)',
    detectedCpus,
    1,
    1024,
  ),
  int(
    'maxThreads',
    'max-threads',
    'worker threads at most; above the CPU count they serve handlers that wait on I/O, while CPU-heavy work runs on at most CPU-count threads at once',
    'CPU count',
    detectedCpus,
    1,
    1024,
  ),
  int(
    'ingressThreads',
    'ingress-threads',
    'threads at most that accept connections (the master never does) and run cheap routes themselves; more start under load, retire when idle, never more than the CPU count',
    'CPU count',
    detectedCpus,
    1,
    1024,
  ),
  int('minIngressThreads', 'min-ingress-threads', 'ingress threads started at once and kept when idle', '1', () => 1, 1, 1024),
  int(
    'cheapRouteMs',
    'cheap-route-ms',
    'a runOn "auto" route that costs its thread under this many ms of CPU per request (its synchronous run plus its continuations after awaits, measured on pool threads) runs inline on the ingress thread that accepted it, costlier ones on pool threads (0: always on pool threads)',
    '5',
    () => 5,
    0,
    1000,
  ),
  int('maxQueue', 'max-queue', 'requests waiting for a thread at most; beyond it the client gets 503', 'CPU count × 1000', () => detectedCpus() * 1000, 0),
  int('idleTimeout', 'idle-timeout', 'milliseconds an idle thread above min-threads lives before it retires', '15000', () => 15000, 1),
  int('concurrency', 'concurrency', 'requests one thread runs at once while its handlers await I/O', '64', () => 64, 1, 100000),
  int('bodyLimit', 'body-limit', 'largest request body in bytes; a larger one gets 413', '1048576', () => 1048576, 1),
  int('gracePeriod', 'grace-period', 'milliseconds in-flight requests get to finish on stop or reload', '10000', () => 10000, 0),
  int('maxThreadMemory', 'max-thread-memory', 'heap limit of one thread in MB; a thread over it is replaced (0: V8 default)', '0', () => 0, 0),
  int(
    'youngGenerationMb',
    'young-generation-mb',
    "young-generation (nursery) size of each thread in MB at most, the master's main thread included (0: V8's default, a node cluster worker's); V8 starts it small and grows it under load, and a smaller one costs CPU in garbage collection",
    '0',
    () => 0,
    0,
    1024,
  ),
  str('name', 'name', 'instance name, for logs and management commands', 'app file name', () => ''),
  str('logLevel', 'log-level', 'pino log level', 'info', () => 'info', LOG_LEVELS),
  int('logMaxBytes', 'log-max-bytes', 'with --daemon: size at which the log file is rotated', '10485760', () => 10 * 1024 * 1024, 1024),
  int('logFiles', 'log-files', 'with --daemon: rotated log files kept besides the current one', '5', () => 5, 0, 1000),
  {
    ...str(
      'infoUrl',
      'info-url',
      'path prefix of the monitoring endpoints on the public port: JSON, /metrics, /dashboard, /livez, /readyz (off when empty)',
      'off',
      () => '',
    ),
    urlPath: true,
  },
  int('monitorPort', 'monitor-port', 'a separate port for the monitoring endpoints, at its root (0: none)', '0', () => 0, 0, 65535),
  str('monitorHost', 'monitor-host', 'address of the monitoring port', '127.0.0.1', () => '127.0.0.1'),
  str('monitorToken', 'monitor-token', 'if set, monitoring endpoints (not /livez, /readyz) want "Authorization: Bearer <token>" or ?token=', 'none', () => ''),
  bool('metrics', 'metrics', 'collect per-route request metrics (false saves a little CPU per request)', true),
  str(
    'trustProxy',
    'trust-proxy',
    'which proxies may set X-Forwarded-For/-Proto/-Host (the client ip a handler sees): false, true, a number of hops, or comma-separated addresses/CIDR ranges',
    'false',
    () => 'false',
  ),
  str(
    'requestIdHeader',
    'request-id-header',
    'a request header whose value becomes the request id (e.g. x-request-id from a proxy); otherwise ids are generated',
    'none',
    () => '',
  ),
  int('jsonDepthLimit', 'json-depth-limit', 'JSON request bodies nested deeper than this get 400 (0: no limit)', '128', () => 128, 0, 100000),
  int(
    'requestTimeout',
    'request-timeout',
    'milliseconds a client has to send a whole request, headers and body; a slower one gets 408 and its connection is closed (0: no limit)',
    '60000',
    () => 60000,
    0,
  ),
  int(
    'headersTimeout',
    'headers-timeout',
    "milliseconds a client has to send a request's headers, from its first byte; a slower one gets 408 and its connection is closed (0: no limit of its own)",
    '20000',
    () => 20000,
    0,
  ),
  int(
    'keepAliveTimeout',
    'keep-alive-timeout',
    'milliseconds an idle kept-alive connection stays open; keep it above the idle timeout of a proxy in front (nginx upstream keepalive_timeout, a load balancer idle timeout: 60 s) so that gopool never closes a connection the proxy is reusing',
    '72000',
    () => 72000,
    1,
  ),
  bool('watch', 'watch', "reload (zero-downtime) when a file in the app's folder changes, node_modules, .git and log folders aside; for development", false),
  int(
    'streamIdleTimeout',
    'stream-idle-timeout',
    'milliseconds a streamed response may go without producing a chunk while its client waits for one; then it is ended (the connection closed) and logged (0: no limit)',
    '30000',
    () => 30000,
    0,
  ),
  {
    ...str(
      'httpsKey',
      'https-key',
      'TLS private key file (PEM); with https-cert, every accepting thread serves HTTPS. Both files are read when a master starts, so `gopool reload` serves renewed ones',
      'none',
      () => '',
    ),
    filePath: true,
  },
  {
    ...str('httpsCert', 'https-cert', 'TLS certificate file (PEM), the intermediate certificates after it (a fullchain.pem)', 'none', () => ''),
    filePath: true,
  },
  str('httpsPassphrase', 'https-passphrase', 'passphrase of an encrypted https-key (better in the environment than on the command line)', 'none', () => ''),
  bool(
    'http2',
    'http2',
    'serve HTTP/2: with https-key and https-cert, h2 for clients that offer it (ALPN) and HTTP/1.1 for the others; without them, cleartext h2c for clients with prior knowledge only (no HTTP/1.1)',
    false,
  ),
  bool(
    'requestLogging',
    'request-logging',
    'log fastify\'s "incoming request" and "request completed" lines, with the request id (reqId) handlers log with, on every thread that accepts connections',
    false,
  ),
];

export const OPTION_KEYS = new Set<string>(OPTION_SPECS.map((spec) => spec.key));
