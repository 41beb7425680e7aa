/**
 * Starts the app whose file is loaded in this realm: resolves its options, builds and starts
 * the server (master/start-server.ts), and wires how it stops. Supervised (a master process of
 * the daemon), it listens on the daemon's socket and drains when the daemon says so;
 * standalone (single mode from `node app.js`), it binds its own port and stops on
 * SIGTERM / SIGINT.
 */
import { basename, extname } from 'node:path';
import { definitionOf } from '../api/app-definition';
import type { AppCallbacks } from '../api/types';
import { type PartialOptions, resolveOptions } from '../config/resolve-options';
import { ERR_POOL_UNSUPERVISED } from '../errors';
import { listenOnHandle, listenOnPort } from '../ingress/listen';
import { readTlsFiles } from '../ingress/tls-files';
import { type Server, startMaster, startSingle } from '../master/start-server';
import { stopAndExit, stopOnSignals } from '../master/stop-on-signals';
import type { SupervisorLink } from '../master/supervisor-link';
import { createLogger } from '../runtime/logger';
import { realm } from '../runtime/realm';
import { settleStart } from './started';

export interface ServeArgs {
  /** The Gopool object of the app (any copy of gopool's): its definition and callbacks. */
  gopool: AppCallbacks;
  appFile: string;
  /** Options from the command line (strongest). */
  cli: PartialOptions;
  /** The daemon's channel, for a supervised master. */
  link?: SupervisorLink;
}

export async function serveApp({ gopool: app, appFile, cli, link }: ServeArgs): Promise<Server> {
  const request = realm().startRequest ?? { mode: 'pool' as const, options: {} };
  const options = resolveOptions({ code: request.options, env: process.env, cli });
  if (!options.name) options.name = basename(appFile, extname(appFile));
  const definition = definitionOf(app);
  definition.freeze('the server started');
  const log = createLogger(options.logLevel, 'master');
  // Read at every start of a master: a reload serves the files as they are then.
  const tls = readTlsFiles(options);
  let server: Server;
  if (request.mode === 'single') {
    const listen = link ? listenOnHandle((host, port) => link.requestHandle(host, port)) : listenOnPort;
    server = await startSingle({ gopool: app, definition, options, log, listen, tls });
  } else {
    // Pool mode is the master process of a daemon: the ingress threads listen on its socket.
    if (!link) throw new ERR_POOL_UNSUPERVISED();
    server = await startMaster({ gopool: app, definition, options, log, appFile, descriptors: () => link.requestHandle(options.host, options.port), tls });
  }
  log.info({ url: server.url, name: options.name, mode: request.mode }, `gopool ${options.name} listening on ${server.url}`);
  if (link) {
    link.onDrain(() => stopAndExit(server, log, options.gracePeriod, 'the daemon asked'));
    // The terminal's Ctrl-C reaches the whole process group: the daemon coordinates the stop.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => stopAndExit(server, log, options.gracePeriod, 'SIGTERM'));
    link.ready(server.url, options.gracePeriod);
  } else {
    stopOnSignals(server, log, options.gracePeriod);
  }
  settleStart(server);
  return server;
}
