import { ERR_HTTPS_INCOMPLETE, ERR_MIN_ABOVE_MAX, ERR_OPTION_INVALID, ERR_OPTION_UNKNOWN, ERR_OPTIONS_NOT_OBJECT } from '../errors';
import { type GopoolOptions, OPTION_KEYS, OPTION_SPECS, type OptionSpec } from './options';

export type PartialOptions = Partial<GopoolOptions>;

/** The layers options come from; each is validated on its own so an error names its source. */
export interface OptionLayers {
  /** `startWithThreadsPool(opts)`. */
  code?: unknown;
  /** A config file's options (its environment section already applied), validated by the loader. */
  config?: PartialOptions;
  /** GOPOOL_* variables. */
  env?: NodeJS.ProcessEnv;
  /** The command line's flags, already parsed. */
  cli?: PartialOptions;
}

/**
 * Options come, weakest first, from: the defaults, the code, a config file, the environment
 * (GOPOOL_*), the command line. docs/config.md has the table.
 */
export function resolveOptions(layers: OptionLayers): GopoolOptions {
  const resolved = defaults();
  const given = [
    checkLayer(layers.code ?? {}, 'options passed to gopool'),
    layers.config ?? {},
    readEnv(layers.env ?? {}),
    checkLayer(layers.cli ?? {}, 'command line'),
  ];
  for (const layer of given) Object.assign(resolved, layer);
  // The thread and queue defaults follow `cpus` when it was given and they were not.
  const chosen = new Set(given.flatMap((layer) => Object.keys(layer)));
  if (chosen.has('cpus')) {
    if (!chosen.has('maxThreads')) resolved.maxThreads = resolved.cpus;
    if (!chosen.has('ingressThreads')) resolved.ingressThreads = resolved.cpus;
    if (!chosen.has('maxQueue')) resolved.maxQueue = resolved.cpus * 1000;
  }
  if (resolved.minThreads > resolved.maxThreads) throw new ERR_MIN_ABOVE_MAX(resolved.minThreads, resolved.maxThreads);
  if ((resolved.httpsKey === '') !== (resolved.httpsCert === '')) {
    const [given, missing] = resolved.httpsKey
      ? ['httpsKey (--https-key)', 'httpsCert (--https-cert)']
      : ['httpsCert (--https-cert)', 'httpsKey (--https-key)'];
    throw new ERR_HTTPS_INCOMPLETE(given, missing);
  }
  return resolved;
}

/**
 * What the daemon hands a master to lay over the layers the master reads itself (code and
 * environment): the command line, and the config file's options that the environment does not
 * set. The master's `code < environment < these` then comes out as
 * `code < config < environment < command line`.
 */
export function masterOverrides(config: PartialOptions, env: NodeJS.ProcessEnv, cli: PartialOptions): PartialOptions {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const value = config[spec.key];
    const envValue = env[spec.env];
    if (value !== undefined && (envValue === undefined || envValue === '')) out[spec.key] = value;
  }
  return { ...out, ...cli } as PartialOptions;
}

export function defaults(): GopoolOptions {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) out[spec.key] = spec.defaultValue();
  return out as unknown as GopoolOptions;
}

/** Validates an object of options (from code, a config file or a parsed command line). */
export function checkLayer(layer: unknown, source: string): PartialOptions {
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) throw new ERR_OPTIONS_NOT_OBJECT(source);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const spec = specOf(key);
    if (!spec) throw new ERR_OPTION_UNKNOWN(source, key, '');
    out[key] = checkValue(spec, value, `${source}: ${key}`);
  }
  return out as PartialOptions;
}

export function specOf(key: string): OptionSpec | undefined {
  return OPTION_KEYS.has(key) ? OPTION_SPECS.find((s) => s.key === key) : undefined;
}

function readEnv(env: NodeJS.ProcessEnv): PartialOptions {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const raw = env[spec.env];
    if (raw === undefined || raw === '') continue;
    out[spec.key] = parseValue(spec, raw, `environment ${spec.env}`);
  }
  return out as PartialOptions;
}

/** Parses a string (CLI or environment) into the option's type. */
export function parseValue(spec: OptionSpec, raw: string, where: string): unknown {
  if (spec.kind === 'bool') {
    const word = raw.trim().toLowerCase();
    if (['true', '1', 'on', 'yes'].includes(word)) return true;
    if (['false', '0', 'off', 'no'].includes(word)) return false;
    throw new ERR_OPTION_INVALID(where, `must be true or false, got "${raw}"`);
  }
  if (spec.kind === 'int') {
    if (!/^-?\d+$/.test(raw.trim())) throw new ERR_OPTION_INVALID(where, `must be an integer, got "${raw}"`);
    return checkValue(spec, Number(raw), where);
  }
  return checkValue(spec, raw, where);
}

/** Checks a typed value against its spec; `where` names it in the error. */
export function checkValue(spec: OptionSpec, value: unknown, where: string): unknown {
  const problem = valueProblem(spec, value);
  if (problem) throw new ERR_OPTION_INVALID(where, problem);
  return value;
}

/** What is wrong with a value for this option, or undefined. */
export function valueProblem(spec: OptionSpec, value: unknown): string | undefined {
  if (spec.kind === 'bool') return typeof value === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(value)}`;
  if (spec.kind === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value)) return `must be an integer, got ${JSON.stringify(value)}`;
    if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}, got ${value}`;
    if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`;
    return undefined;
  }
  if (typeof value !== 'string' || value === '') return `must be a non-empty string, got ${JSON.stringify(value)}`;
  if (spec.choices && !spec.choices.includes(value)) return `must be one of ${spec.choices.join(', ')}, got "${value}"`;
  if (spec.urlPath && !value.startsWith('/')) return `must be a path starting with "/", got "${value}"`;
  return undefined;
}
