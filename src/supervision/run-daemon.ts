import { basename, extname } from 'node:path';
import { resolveOptions, type PartialOptions } from '../config/resolve-options';
import { GopoolError } from '../runtime/errors';
import { masterExecArgv } from '../runtime/thread-limits';
import { createDaemonLog } from './daemon-log';
import { Daemon } from './daemon';
import { RotatingLogFile } from './log-file';
import { checkName, ensureHome, instancePaths } from './paths';

export interface DaemonLaunch {
  appFile: string;
  cli: PartialOptions;
  /** Options given in code; only known when the daemon is the process that loaded the app. */
  code?: PartialOptions;
  execArgv: string[];
  background: boolean;
  onStarted?: (outcome: { ok: true; url: string } | { ok: false; message: string }) => void;
}

/** Resolves what the daemon itself needs (name, log settings) and runs it until it stops. */
export async function runDaemon(launch: DaemonLaunch): Promise<number> {
  const options = resolveOptions({ code: launch.code, env: process.env, cli: launch.cli });
  const name = options.name || basename(launch.appFile, extname(launch.appFile));
  const bad = checkName(name);
  if (bad) throw new GopoolError(bad);
  const log = createDaemonLog(options.logLevel);
  let logFile: RotatingLogFile | undefined;
  if (launch.background) {
    ensureHome();
    logFile = new RotatingLogFile(instancePaths(name).log, options.logMaxBytes, options.logFiles);
    log.setSink((line) => logFile!.writeLine(line));
  }
  const daemon = new Daemon({
    name,
    appFile: launch.appFile,
    cli: { ...launch.cli, name },
    execArgv: masterExecArgv(launch.execArgv, options.youngGenerationMb),
    log,
    ...(logFile ? { logFile } : {}),
    ...(launch.onStarted ? { onStarted: launch.onStarted } : {}),
  });
  try {
    return await daemon.run();
  } finally {
    logFile?.close();
  }
}
