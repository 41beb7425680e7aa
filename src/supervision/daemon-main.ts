/**
 * Entry of a background daemon (`gopool start app.js --daemon`). The CLI spawns it detached,
 * with an IPC channel used once: to learn whether the app started, and why not.
 */
import { ERR_DAEMON_SPEC, startFailureMessage } from '../errors';
import { DAEMON_SPEC_ENV, type StartOutcome } from './ipc';
import { type DaemonLaunch, runDaemon } from './run-daemon';

function tellLauncher(outcome: StartOutcome): void {
  if (!process.connected) return;
  process.send!(outcome, undefined, {}, () => process.disconnect());
}

async function main(): Promise<number> {
  const raw = process.env[DAEMON_SPEC_ENV];
  delete process.env[DAEMON_SPEC_ENV];
  if (!raw) throw new ERR_DAEMON_SPEC(DAEMON_SPEC_ENV);
  const launch = JSON.parse(raw) as Omit<DaemonLaunch, 'background'>;
  return runDaemon({ ...launch, background: true, onStarted: tellLauncher });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = startFailureMessage(err);
    tellLauncher({ ok: false, message });
    process.stderr.write(`gopool: ${message}\n`);
    process.exitCode = 1;
  },
);
