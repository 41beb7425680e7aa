import { GopoolError } from '../runtime/errors';
import { OPTION_KEYS, OPTION_SPECS, type GopoolOptions, type OptionSpec } from './options';

export type PartialOptions = Partial<GopoolOptions>;

/**
 * Options come, weakest first, from: the defaults, the code (`startWithThreadsPool(opts)`),
 * the environment (GOPOOL_*), the command line. Each layer is validated on its own so the
 * error names where the bad value came from.
 */
export function resolveOptions(layers: { code?: unknown; env?: NodeJS.ProcessEnv; cli?: PartialOptions }): GopoolOptions {
  const resolved = defaults();
  Object.assign(resolved, checkLayer(layers.code ?? {}, 'options passed to gopool'));
  Object.assign(resolved, readEnv(layers.env ?? {}));
  Object.assign(resolved, checkLayer(layers.cli ?? {}, 'command line'));
  if (resolved.minThreads > resolved.maxThreads) {
    throw new GopoolError(`min-threads (${resolved.minThreads}) is larger than max-threads (${resolved.maxThreads})`);
  }
  return resolved;
}

export function defaults(): GopoolOptions {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) out[spec.key] = spec.defaultValue();
  return out as unknown as GopoolOptions;
}

/** Validates an object of options (from code or a parsed command line). */
export function checkLayer(layer: unknown, source: string): PartialOptions {
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) {
    throw new GopoolError(`${source}: options must be an object`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    if (!OPTION_KEYS.has(key)) throw new GopoolError(`${source}: unknown option "${key}"`);
    const spec = OPTION_SPECS.find((s) => s.key === key)!;
    out[key] = checkValue(spec, value, `${source}: ${key}`);
  }
  return out as PartialOptions;
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
    throw new GopoolError(`${where} must be true or false, got "${raw}"`);
  }
  if (spec.kind === 'int') {
    if (!/^-?\d+$/.test(raw.trim())) throw new GopoolError(`${where} must be an integer, got "${raw}"`);
    return checkValue(spec, Number(raw), where);
  }
  return checkValue(spec, raw, where);
}

function checkValue(spec: OptionSpec, value: unknown, where: string): unknown {
  if (spec.kind === 'bool') {
    if (typeof value !== 'boolean') throw new GopoolError(`${where} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  if (spec.kind === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new GopoolError(`${where} must be an integer, got ${JSON.stringify(value)}`);
    if (spec.min !== undefined && value < spec.min) throw new GopoolError(`${where} must be at least ${spec.min}, got ${value}`);
    if (spec.max !== undefined && value > spec.max) throw new GopoolError(`${where} must be at most ${spec.max}, got ${value}`);
    return value;
  }
  if (typeof value !== 'string' || value === '') throw new GopoolError(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  if (spec.choices && !spec.choices.includes(value)) throw new GopoolError(`${where} must be one of ${spec.choices.join(', ')}, got "${value}"`);
  if (spec.urlPath && !value.startsWith('/')) throw new GopoolError(`${where} must be a path starting with "/", got "${value}"`);
  return value;
}
