import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { resolveOptions, type PartialOptions } from '../../config/resolve-options';
import { GopoolError } from '../../runtime/errors';
import { resolveAppFile } from '../../runtime/load-app';
import { DAEMON_SPEC_ENV } from '../../supervision/ipc';
import { ensureHome, instancePaths } from '../../supervision/paths';
import { runDaemon } from '../../supervision/run-daemon';
import { basename, extname, join } from 'node:path';

/** Foreground: this process is the daemon (for containers and systemd). */
export async function startForeground(app: string, cli: PartialOptions): Promise<number> {
  const appFile = resolveAppFile(app);
  return runDaemon({ appFile, cli, execArgv: [], background: false });
}

/**
 * Background: start a detached daemon, wait until the app is ready (or failed), report, and
 * return. Its output and the app's go to the instance's log file.
 */
export async function startBackground(app: string, cli: PartialOptions): Promise<void> {
  const appFile = resolveAppFile(app);
  const options = resolveOptions({ env: process.env, cli });
  const name = options.name || basename(appFile, extname(appFile));
  ensureHome();
  const paths = instancePaths(name);
  // The daemon's own stdout/stderr, for what it might print before its log is set up.
  const early = openSync(paths.log, 'a', 0o600);
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'supervision', 'daemon-main.js')], {
    detached: true,
    cwd: process.cwd(),
    stdio: ['ignore', early, early, 'ipc'],
    env: { ...process.env, [DAEMON_SPEC_ENV]: JSON.stringify({ appFile, cli: { ...cli, name }, execArgv: [] }) },
  });
  const outcome = await new Promise<{ ok: true; url: string } | { ok: false; message: string }>((done) => {
    child.once('message', (message: { ok: true; url: string } | { ok: false; message: string }) => done(message));
    child.once('exit', (code) => done({ ok: false, message: `the daemon exited (code ${code}); see ${paths.log}` }));
  });
  if (child.connected) child.disconnect();
  child.unref();
  if (!outcome.ok) throw new GopoolError(outcome.message);
  process.stdout.write(`gopool: ${name} started in the background on ${outcome.url} (daemon pid ${child.pid})\n  logs: ${paths.log}\n  stop: gopool stop ${name}\n`);
}

