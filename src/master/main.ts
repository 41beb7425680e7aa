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
import { SupervisorLink } from './supervisor-link';

claimRole('managed');
const link = new SupervisorLink();

async function main(): Promise<void> {
  const raw = process.env[MASTER_SPEC_ENV];
  delete process.env[MASTER_SPEC_ENV];
  if (!raw) throw new ERR_MASTER_SPEC(MASTER_SPEC_ENV);
  const spec = JSON.parse(raw) as MasterSpec;
  const appFile = resolveAppFile(spec.appFile);
  await loadApp(appFile);
  await serveApp({ gopool: gopoolInstance(), appFile, cli: spec.cli, link });
}

main().catch(async (err: unknown) => {
  reportStartFailure(err);
  await link.fatal(startFailureMessage(err));
  process.exit(1);
});
