/**
 * What `gopool.startWithThreadsPool()` / `startWithSingle()` do, decided by the realm's role
 * (runtime/realm.ts):
 * - a gopool thread: nothing; it loaded the file for its routes;
 * - a worker thread of the user's: nothing, with a warning;
 * - managed (the CLI or the master process loaded the file): record the options; the entry
 *   starts the server once the whole file has loaded, and settles the returned promise;
 * - `node app.js`: once the rest of the file has run (routes below the call, exports), become
 *   the daemon (pool mode) or serve right here (single mode). The code that does it is loaded
 *   only then, so that threads never load fastify or the daemon for a start call.
 */
import type { AppCallbacks } from '../api/types';
import type { GopoolOptions } from '../config/options';
import { ERR_NO_APP_FILE, ERR_STARTED_TWICE, reportStartFailure } from '../errors';
import { currentRole, realm, type StartRequest } from '../runtime/realm';
import { startedPromise } from './started';

export function requestStart(gopool: AppCallbacks, request: StartRequest): Promise<unknown> {
  const role = currentRole();
  if (role === 'thread') return Promise.resolve(undefined);
  if (role === 'foreign-thread') {
    process.emitWarning('gopool: start called in a worker thread gopool did not create; ignored');
    return Promise.resolve(undefined);
  }
  const state = realm();
  if (state.startRequest) return Promise.reject(new ERR_STARTED_TWICE());
  state.startRequest = request;
  if (role === 'launcher') setImmediate(() => launchHere(gopool, request));
  return startedPromise();
}

function launchHere(gopool: AppCallbacks, request: StartRequest): void {
  const appFile = process.argv[1];
  const started = (async () => {
    if (!appFile) throw new ERR_NO_APP_FILE();
    if (request.mode === 'single') {
      // Single mode: this one process serves, no daemon (serveApp settles the start call).
      const { serveApp } = require('./serve') as typeof import('./serve');
      await serveApp({ gopool, appFile, cli: {} });
      return;
    }
    // Pool mode: this process becomes the daemon and starts the master from the same file.
    const { runDaemon } = require('../supervision/run-daemon') as typeof import('../supervision/run-daemon');
    process.exit(await runDaemon({ appFile, cli: {}, code: request.options as Partial<GopoolOptions>, execArgv: process.execArgv, background: false }));
  })();
  started.catch((err: unknown) => {
    reportStartFailure(err);
    process.exit(1);
  });
}
