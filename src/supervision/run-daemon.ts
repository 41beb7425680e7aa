import { Daemon } from './daemon';
import { createDaemonLog } from './daemon-log';
import { type DaemonLaunch, resolveSettings } from './daemon-settings';
import type { StartOutcome } from './ipc';
import { RotatingLogFile } from './log-file';
import { ensureHome, instancePaths } from './paths';

export type { DaemonLaunch } from './daemon-settings';

/** Resolves what the daemon needs (config file, options, name) and runs it until it stops. */
export async function runDaemon(launch: DaemonLaunch & { onStarted?: (outcome: StartOutcome) => void }): Promise<number> {
  const { onStarted, ...rest } = launch;
  const settings = await resolveSettings(rest);
  const log = createDaemonLog(settings.options.logLevel);
  let logFile: RotatingLogFile | undefined;
  if (launch.background) {
    ensureHome();
    logFile = new RotatingLogFile(instancePaths(settings.name).log, settings.options.logMaxBytes, settings.options.logFiles);
    log.setSink((line) => logFile!.writeLine(line));
  }
  const daemon = new Daemon({
    launch: rest,
    settings,
    log,
    ...(logFile ? { logFile } : {}),
    ...(onStarted ? { onStarted } : {}),
  });
  try {
    return await daemon.run();
  } finally {
    await logFile?.close();
  }
}
