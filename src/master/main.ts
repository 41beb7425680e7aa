/**
 * Entry of a supervised master process: the daemon forks this file with the app file and the
 * command-line options in GOPOOL_MASTER_SPEC. It claims the realm before the app file loads,
 * so that the file's start call only records its options; then it starts the server.
 */
import { gopoolInstance } from '../api/instance';
import { serveApp } from '../boot/serve';
import { ERR_MASTER_SPEC, reportStartFailure, startFailureMessage } from '../errors';
import { loadApp, resolveAppFile } from '../runtime/load-app';
import { claimRole } from '../runtime/realm';
import { MASTER_SPEC_ENV, type MasterSpec } from '../supervision/ipc';
import type { Server } from './start-server';
import { SupervisorLink } from './supervisor-link';

claimRole('managed');
/**
 * The running server, set as serveApp returns: the daemon tells the master about itself in
 * answer to its ready, the last thing serveApp sends before it returns, so the answer always
 * finds it; a status asked before then gets no figures of this master (as while it starts).
 */
let server: Server | undefined;
const link = new SupervisorLink({
  daemonInfo: (info) => server?.metrics.setDaemon(info),
  stats: () => server?.metrics.snapshot(),
});

async function main(): Promise<void> {
  const raw = process.env[MASTER_SPEC_ENV];
  delete process.env[MASTER_SPEC_ENV];
  if (!raw) throw new ERR_MASTER_SPEC(MASTER_SPEC_ENV);
  const spec = JSON.parse(raw) as MasterSpec;
  const appFile = resolveAppFile(spec.appFile);
  await loadApp(appFile);
  server = await serveApp({ gopool: gopoolInstance(), appFile, cli: spec.cli, link });
}

main().catch(async (err: unknown) => {
  reportStartFailure(err);
  await link.fatal(startFailureMessage(err));
  process.exit(1);
});
