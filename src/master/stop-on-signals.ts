import type { RunningServer } from '../api/gopool';
import type { Logger } from '../runtime/logger';

/**
 * SIGTERM / SIGINT: stop accepting, let in-flight requests finish within the grace period,
 * exit 0. A second signal exits at once (the operator means it).
 */
export function stopOnSignals(server: RunningServer, log: Logger, gracePeriod: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, gracePeriod }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error({ gracePeriod }, 'grace period over: exiting with requests still running');
      process.exit(1);
    }, gracePeriod + 1000);
    force.unref();
    server.close().then(
      () => { log.info('stopped'); process.exit(0); },
      (err: unknown) => { log.error({ err }, 'error while stopping'); process.exit(1); },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
