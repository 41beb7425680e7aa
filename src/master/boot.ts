import { basename, extname } from 'node:path';
import type { Gopool, RunningServer } from '../api/gopool';
import { gopoolInstance } from '../api/instance';
import { resolveOptions, type PartialOptions } from '../config/resolve-options';
import { listenOnHandle, listenOnPort } from '../ingress/listen';
import { createLogger } from '../runtime/logger';
import { loadApp, resolveAppFile } from '../runtime/load-app';
import { markManagedBoot } from './launch';
import { startServer, type Server } from './start-server';
import { stopAndExit, stopOnSignals } from './stop-on-signals';
import type { SupervisorLink } from './supervisor-link';

/** Loads an app file and starts it: what a supervised master, or the CLI, does. */
export async function bootAppFile(appFile: string, cli: PartialOptions, link?: SupervisorLink): Promise<RunningServer> {
  const file = resolveAppFile(appFile);
  let finish!: (server: RunningServer | undefined) => void;
  markManagedBoot(new Promise((resolve) => { finish = resolve; }));
  await loadApp(file);
  const server = await bootLoadedApp(gopoolInstance(), file, cli, link);
  finish(server);
  return server;
}

/**
 * Starts an app whose file is already loaded (its routes registered). Supervised, it listens
 * on the daemon's socket and stops when the daemon says so; standalone, it binds its own
 * port and stops on SIGTERM / SIGINT.
 */
export async function bootLoadedApp(gopool: Gopool, appFile: string, cli: PartialOptions, link?: SupervisorLink): Promise<Server> {
  const file = resolveAppFile(appFile);
  const request = gopool.startRequest ?? { mode: 'pool', options: {} };
  const options = resolveOptions({ code: request.options, env: process.env, cli });
  if (!options.name) options.name = basename(file, extname(file));
  gopool.routes.freeze('the server started');
  const log = createLogger(options.logLevel, 'master');
  const listen = link ? listenOnHandle((host, port) => link.requestHandle(host, port)) : listenOnPort;
  const descriptors = link ? () => link.requestHandle(options.host, options.port) : undefined;
  const server = await startServer({ gopool, options, log, appFile: file, mode: request.mode, listen, ...(descriptors ? { descriptors } : {}) });
  log.info({ url: server.url, name: options.name, mode: request.mode }, `gopool ${options.name} listening on ${server.url}`);
  if (link) {
    link.provideStats(() => server.metrics.snapshot());
    link.onDaemonInfo = (info) => server.metrics.setDaemon(info);
    link.once('drain', () => stopAndExit(server, log, options.gracePeriod, 'the daemon asked'));
    // The terminal's Ctrl-C reaches the whole process group: the daemon coordinates the stop.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => stopAndExit(server, log, options.gracePeriod, 'SIGTERM'));
    link.ready(server.url, options.gracePeriod);
  } else {
    stopOnSignals(server, log, options.gracePeriod);
  }
  return server;
}
