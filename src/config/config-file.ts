import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ERR_CONFIG_INVALID, ERR_CONFIG_LOAD, ERR_CONFIG_NO_ENV, ERR_CONFIG_NOT_FOUND } from '../errors';
import type { PartialOptions } from './resolve-options';
import { specOf, valueProblem } from './resolve-options';

/** The names gopool looks for next to the app (or in the current folder), in this order. */
export const CONFIG_NAMES = ['gopool.config.js', 'gopool.config.mjs', 'gopool.config.cjs', 'gopool.config.json'] as const;

/** A config file, read and checked, with the environment section chosen applied. */
export interface LoadedConfig {
  file: string;
  /** The app file, absolute (relative paths are relative to the config file's folder). */
  app?: string;
  /** Options of the options table (name included), the section's over the top level's. */
  options: PartialOptions;
  /** Environment variables for the app, the section's over the top level's. */
  env: Record<string, string>;
  /** The section applied (`production` for `env_production`), if any. */
  envName?: string;
}

export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_NAMES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Reads a config file. A JavaScript one runs in a child process, never in the daemon (which
 * runs no code of the user's) and afresh on every read (a reload sees the edits, with no
 * module cache to defeat). `envName` is `--env`; without it NODE_ENV picks the section, and a
 * missing section is then no error.
 */
export async function loadConfigFile(path: string, envName: string | undefined, nodeEnv = process.env.NODE_ENV): Promise<LoadedConfig> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ERR_CONFIG_NOT_FOUND(file);
  const raw = file.endsWith('.json') ? readJson(file) : await readJavaScript(file);
  return checkConfig(file, raw, envName, nodeEnv);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ERR_CONFIG_LOAD(file, `${(err as Error).name}: ${(err as Error).message}`);
  }
}

function readJavaScript(file: string): Promise<unknown> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [join(__dirname, 'config-child.js'), file],
      { cwd: dirname(file), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const reason = stderr.trim().split('\n')[0] || err.message;
          fail(new ERR_CONFIG_LOAD(file, reason));
          return;
        }
        try {
          done(JSON.parse(stdout));
        } catch {
          fail(new ERR_CONFIG_LOAD(file, 'it did not export plain data'));
        }
      },
    );
  });
}

/** Checks what a config file exported and applies the environment section. */
export function checkConfig(file: string, raw: unknown, envName: string | undefined, nodeEnv?: string): LoadedConfig {
  if (!isObject(raw)) throw new ERR_CONFIG_INVALID(file, 'the export', 'must be an object of options');
  const top = checkSection(file, raw);
  const wanted = envName ?? nodeEnv;
  let section: ReturnType<typeof checkSection> | undefined;
  for (const key of Object.keys(raw)) {
    if (!key.startsWith('env_')) continue;
    const value = raw[key];
    if (!isObject(value)) throw new ERR_CONFIG_INVALID(file, key, 'must be an object of options (and "env")');
    const checked = checkSection(file, value, key);
    if (key === `env_${wanted}`) section = checked;
  }
  if (envName !== undefined && !section) throw new ERR_CONFIG_NO_ENV(file, `env_${envName}`, envName);
  const app = top.app === undefined ? undefined : resolve(dirname(file), top.app);
  return {
    file,
    ...(app !== undefined ? { app } : {}),
    options: { ...top.options, ...section?.options },
    env: { ...top.env, ...section?.env },
    ...(section ? { envName: wanted! } : {}),
  };
}

/** The file's top level, or (`envSection`: its key) one of its `env_<name>` sections. */
function checkSection(file: string, raw: Record<string, unknown>, envSection?: string): { app?: string; options: PartialOptions; env: Record<string, string> } {
  const top = envSection === undefined;
  const prefix = top ? '' : `${envSection}.`;
  const options: Record<string, unknown> = {};
  let env: Record<string, string> = {};
  let app: string | undefined;
  for (const [key, value] of Object.entries(raw)) {
    const field = `${prefix}${key}`;
    if (value === undefined) continue;
    if (top && key.startsWith('env_')) continue;
    if (key === 'app' && top) {
      if (typeof value !== 'string' || value === '') throw new ERR_CONFIG_INVALID(file, field, `must be the app file's path, got ${JSON.stringify(value)}`);
      app = value;
    } else if (key === 'env') {
      env = checkEnv(file, field, value);
    } else {
      const spec = specOf(key);
      if (!spec) {
        const hint = /^[A-Z0-9_]+$/.test(key) ? ' (environment variables for the app go under "env")' : '';
        throw new ERR_CONFIG_INVALID(file, field, `is not a gopool option${hint}`);
      }
      const problem = valueProblem(spec, value);
      if (problem) throw new ERR_CONFIG_INVALID(file, field, problem);
      // A path in a config file means what it means where the file is, as its `app` does.
      options[key] = spec.filePath && typeof value === 'string' && value !== '' ? resolve(dirname(file), value) : value;
    }
  }
  return { ...(app !== undefined ? { app } : {}), options: options as PartialOptions, env };
}

function checkEnv(file: string, field: string, value: unknown): Record<string, string> {
  if (!isObject(value)) throw new ERR_CONFIG_INVALID(file, field, 'must be an object of environment variables');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string') out[name] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[name] = String(v);
    else throw new ERR_CONFIG_INVALID(file, `${field}.${name}`, `must be a string, a number or a boolean, got ${JSON.stringify(v)}`);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
