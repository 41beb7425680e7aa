import type { Gopool, RunningServer, StartRequest } from '../api/gopool';
import { GopoolError, reportStartFailure } from '../runtime/errors';
import { currentRole } from '../runtime/role';
import { runDaemon } from '../supervision/run-daemon';
import { bootLoadedApp } from './boot';

/**
 * Set while gopool's own entry (the CLI, or the master entry a supervisor starts) is loading
 * the app file: a start call inside the file then only records what was asked, and the
 * entry does the starting once the file is fully loaded.
 */
const MANAGED = Symbol.for('gopool.managedBoot');

interface Managed {
  done: Promise<RunningServer | undefined>;
}

export function markManagedBoot(done: Promise<RunningServer | undefined>): void {
  (globalThis as { [MANAGED]?: Managed })[MANAGED] = { done };
}

function managedBoot(): Managed | undefined {
  return (globalThis as { [MANAGED]?: Managed })[MANAGED];
}

/** What `gopool.startWithThreadsPool()` / `startWithSingle()` do, by role. */
export function requestStart(gopool: Gopool, request: StartRequest): Promise<RunningServer | undefined> {
  const role = currentRole();
  // Threads load the same file; their start call is a no-op, the routes are what they need.
  if (role === 'thread') return Promise.resolve(undefined);
  if (role === 'foreign-thread') {
    process.emitWarning('gopool: start called in a worker thread gopool did not create; ignored');
    return Promise.resolve(undefined);
  }
  if (gopool.startRequest) {
    return Promise.reject(new GopoolError('gopool was started twice; call startWithThreadsPool() or startWithSingle() once'));
  }
  gopool.startRequest = request;
  const managed = managedBoot();
  if (managed) return managed.done;
  // `node app.js`: start once the rest of the file (routes below the call, exports) has run.
  const appFile = process.argv[1];
  return new Promise((resolve) => {
    setImmediate(() => {
      if (!appFile) {
        reportStartFailure(new GopoolError('cannot tell which file to load in the threads (no script in process.argv[1])'));
        process.exit(1);
      }
      const started = request.mode === 'single'
        // Single mode: this one process serves, no daemon.
        ? bootLoadedApp(gopool, appFile, {}).then(resolve)
        // Pool mode: this process becomes the daemon and starts the master from the same file.
        : runDaemon({ appFile, cli: {}, code: request.options, execArgv: process.execArgv, background: false }).then((code) => process.exit(code));
      started.catch((err: unknown) => {
        reportStartFailure(err);
        process.exit(1);
      });
    });
  });
}
