import { basename, extname } from 'node:path';
import type { Gopool, RunningServer } from '../api/gopool';
import { gopoolInstance } from '../api/instance';
import { resolveOptions, type PartialOptions } from '../config/resolve-options';
import { createLogger } from '../runtime/logger';
import { loadApp, resolveAppFile } from '../runtime/load-app';
import { markManagedBoot } from './launch';
import { runPoolMaster } from './run-pool-master';
import { runSingle } from './run-single';
import { stopOnSignals } from './stop-on-signals';

/** Loads an app file and starts it: what `gopool start app.js` does in the serving process. */
export async function bootAppFile(appFile: string, cli: PartialOptions): Promise<RunningServer> {
  const file = resolveAppFile(appFile);
  let finish!: (server: RunningServer | undefined) => void;
  markManagedBoot(new Promise((resolve) => { finish = resolve; }));
  await loadApp(file);
  const server = await bootLoadedApp(gopoolInstance(), file, cli);
  finish(server);
  return server;
}

/** Starts an app whose file is already loaded (its routes registered). */
export async function bootLoadedApp(gopool: Gopool, appFile: string, cli: PartialOptions): Promise<RunningServer> {
  const file = resolveAppFile(appFile);
  const request = gopool.startRequest ?? { mode: 'pool', options: {} };
  const options = resolveOptions({ code: request.options, env: process.env, cli });
  if (!options.name) options.name = basename(file, extname(file));
  gopool.routes.freeze('the server started');
  const log = createLogger(options.logLevel, 'master');
  const server = request.mode === 'single'
    ? await runSingle({ gopool, options, log })
    : await runPoolMaster({ gopool, options, log, appFile: file });
  log.info({ url: server.url, name: options.name, mode: request.mode }, `gopool ${options.name} listening on ${server.url}`);
  stopOnSignals(server, log, options.gracePeriod);
  return server;
}
