/**
 * Entry of a supervised master process: the daemon forks this file with the app file and the
 * command-line options in GOPOOL_MASTER_SPEC, and GOPOOL_ROLE=master.
 */
import { GopoolError } from '../runtime/errors';
import { MASTER_SPEC_ENV, type MasterSpec } from '../supervision/ipc';
import { bootAppFile } from './boot';
import { SupervisorLink } from './supervisor-link';

const link = new SupervisorLink();

async function main(): Promise<void> {
  const raw = process.env[MASTER_SPEC_ENV];
  delete process.env[MASTER_SPEC_ENV];
  if (!raw) throw new GopoolError(`${MASTER_SPEC_ENV} is not set: this file is started by the gopool daemon`);
  const spec = JSON.parse(raw) as MasterSpec;
  await bootAppFile(spec.appFile, spec.cli, link);
}

main().catch(async (err: unknown) => {
  const message = err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`gopool: ${message}\n`);
  await link.fatal(message);
  process.exit(1);
});
