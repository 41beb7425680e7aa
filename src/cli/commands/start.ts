import { spawn } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PartialOptions } from '../../config/resolve-options';
import { ERR_START_FAILED } from '../../errors';
import { type DaemonLaunch, resolveSettings } from '../../supervision/daemon-settings';
import { DAEMON_SPEC_ENV, type StartOutcome } from '../../supervision/ipc';
import { ensureHome, instancePaths } from '../../supervision/paths';
import { runDaemon } from '../../supervision/run-daemon';

/** What `gopool start` was given: an app file, or a config file that names one. */
export interface StartArgs {
  app: string | undefined;
  cli: PartialOptions;
  config: string | undefined;
  env: string | undefined;
}

function launchOf(args: StartArgs, { background }: { background: boolean }): DaemonLaunch {
  return {
    ...(args.app !== undefined ? { appFile: resolve(args.app) } : {}),
    ...(args.config !== undefined ? { configFile: resolve(args.config) } : {}),
    ...(args.env !== undefined ? { envName: args.env } : {}),
    cli: args.cli,
    execArgv: [],
    background,
  };
}

/** Foreground: this process is the daemon (for containers and systemd). */
export async function startForeground(args: StartArgs): Promise<number> {
  return runDaemon(launchOf(args, { background: false }));
}

/**
 * Background: start a detached daemon, wait until the app is ready (or failed), report, and
 * return. Its output and the app's go to the instance's log file.
 */
export async function startBackground(args: StartArgs): Promise<void> {
  const launch = launchOf(args, { background: true });
  // Read here too, so that a bad config file or option is reported before anything detaches.
  const { name } = await resolveSettings(launch);
  ensureHome();
  const paths = instancePaths(name);
  // The daemon's own stdout/stderr, for what it might print before its log is set up.
  const early = openSync(paths.log, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'supervision', 'daemon-main.js')], {
    detached: true,
    cwd: process.cwd(),
    stdio: ['ignore', early, early, 'ipc'],
    env: { ...process.env, [DAEMON_SPEC_ENV]: JSON.stringify({ ...launch, cli: { ...launch.cli, name } }) },
  });
  const outcome = await new Promise<StartOutcome>((done) => {
    child.once('message', (message: StartOutcome) => done(message));
    child.once('exit', (code) => done({ ok: false, message: `the daemon exited (code ${code}); see ${paths.log}` }));
  });
  if (child.connected) child.disconnect();
  child.unref();
  if (!outcome.ok) throw new ERR_START_FAILED(outcome.message);
  process.stdout.write(
    `gopool: ${name} started in the background on ${outcome.url} (daemon pid ${child.pid})\n  logs: ${paths.log}\n  stop: gopool stop ${name}\n`,
  );
}
