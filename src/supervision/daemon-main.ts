/**
 * Entry of a background daemon (`gopool start app.js --daemon`). The CLI spawns it detached,
 * with an IPC channel used once: to learn whether the app started, and why not.
 */
import { GopoolError } from '../runtime/errors';
import { DAEMON_SPEC_ENV } from './ipc';
import { runDaemon, type DaemonLaunch } from './run-daemon';

type Outcome = { ok: true; url: string } | { ok: false; message: string };

function tellLauncher(outcome: Outcome): void {
  if (!process.connected) return;
  process.send!(outcome, undefined, {}, () => process.disconnect());
}

async function main(): Promise<number> {
  const raw = process.env[DAEMON_SPEC_ENV];
  delete process.env[DAEMON_SPEC_ENV];
  if (!raw) throw new GopoolError(`${DAEMON_SPEC_ENV} is not set: this file is started by gopool start --daemon`);
  const launch = JSON.parse(raw) as Omit<DaemonLaunch, 'onStarted' | 'background'>;
  return runDaemon({ ...launch, background: true, onStarted: tellLauncher });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    tellLauncher({ ok: false, message });
    process.stderr.write(`gopool: ${message}\n`);
    process.exitCode = 1;
  },
);
