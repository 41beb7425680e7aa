import type { RunningServer } from '../api/types';
import type { Logger } from '../runtime/logger';
import { threadOutputForwarded } from '../threads/thread-output';

/** How long a stopped master waits for the last lines its threads wrote. */
const OUTPUT_WAIT_MS = 1000;

let stopping = false;

/**
 * Drains the server (stop accepting, finish in-flight requests within the grace period) and
 * exits 0; exits 1 if the grace period runs out. Called again while stopping, it does nothing.
 */
export function stopAndExit(server: RunningServer, log: Logger, gracePeriod: number, why: string): void {
  if (stopping) return;
  stopping = true;
  log.info({ why, gracePeriod }, 'draining: no new connections, finishing in-flight requests');
  const force = setTimeout(() => {
    log.error({ gracePeriod }, 'grace period over: exiting with requests still running');
    process.exit(1);
  }, gracePeriod + 1000);
  force.unref();
  server
    .close()
    .then(() => threadOutputForwarded(OUTPUT_WAIT_MS))
    .then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
}

/**
 * Standalone (no daemon): SIGTERM / SIGINT stop gracefully; a second signal exits at once
 * (the operator means it).
 */
export function stopOnSignals(server: RunningServer, log: Logger, gracePeriod: number): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopAndExit(server, log, gracePeriod, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
