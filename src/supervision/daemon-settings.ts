import { basename, dirname, extname } from 'node:path';
import { findConfigFile, type LoadedConfig, loadConfigFile } from '../config/config-file';
import type { GopoolOptions } from '../config/options';
import { masterOverrides, type PartialOptions, resolveOptions } from '../config/resolve-options';
import { ERR_NO_APP } from '../errors';
import { resolveAppFile } from '../runtime/load-app';
import { masterExecArgv } from '../runtime/thread-limits';
import type { MasterSpec } from './ipc';
import { checkName } from './paths';

/** What starts a daemon: the command line (or `node app.js`), before any file is read. */
export interface DaemonLaunch {
  /** The app file as given; without it, the config file's `app`. */
  appFile?: string;
  cli: PartialOptions;
  /** Options given in code; only known when the daemon is the process that loaded the app. */
  code?: PartialOptions;
  /** `--config`; without it, a gopool.config.* next to the app (or in the current folder). */
  configFile?: string;
  /** `--env`: the config file's section to apply (default: NODE_ENV's, if there is one). */
  envName?: string;
  /** Node flags for the master (e.g. the `--import` a user ran `node` with). */
  execArgv: string[];
  background: boolean;
}

/** What the daemon runs with; made afresh from the launch at start and at every reload. */
export interface DaemonSettings {
  appFile: string;
  name: string;
  /** The options as the daemon sees them (the code's only when it loaded the app itself). */
  options: GopoolOptions;
  config: LoadedConfig | undefined;
  /** The master's environment: the config file's variables under the real environment. */
  masterEnv: NodeJS.ProcessEnv;
  masterSpec: MasterSpec;
  masterExecArgv: string[];
}

/** Options that a reload cannot change: the daemon's socket, files and log file. */
export const RESTART_ONLY: ReadonlyArray<keyof GopoolOptions> = ['port', 'host', 'name', 'logMaxBytes', 'logFiles'];

export async function resolveSettings(launch: DaemonLaunch, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<DaemonSettings> {
  const near = launch.appFile !== undefined ? dirname(resolveAppFile(launch.appFile)) : cwd;
  const configFile = launch.configFile ?? findConfigFile(near);
  const config = configFile !== undefined ? await loadConfigFile(configFile, launch.envName, env.NODE_ENV) : undefined;
  const given = launch.appFile ?? config?.app;
  if (given === undefined) throw new ERR_NO_APP(near);
  const appFile = resolveAppFile(given);
  const masterEnv: NodeJS.ProcessEnv = { ...config?.env, ...env };
  const options = resolveOptions({ code: launch.code, config: config?.options ?? {}, env: masterEnv, cli: launch.cli });
  const name = options.name || basename(appFile, extname(appFile));
  checkName(name);
  options.name = name;
  const overrides = masterOverrides(config?.options ?? {}, masterEnv, launch.cli);
  return {
    appFile,
    name,
    options,
    config,
    masterEnv,
    masterSpec: { appFile, cli: { ...overrides, name } },
    masterExecArgv: masterExecArgv(launch.execArgv, options.youngGenerationMb, masterEnv.NODE_OPTIONS ?? ''),
  };
}

/** The restart-only options that differ, as `port (3000 → 3001)`. */
export function restartOnlyChanges(before: GopoolOptions, after: GopoolOptions): string[] {
  return RESTART_ONLY.filter((key) => before[key] !== after[key]).map((key) => `${key} (${String(before[key])} → ${String(after[key])})`);
}
