import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { ERR_NO_INSTANCE, ERR_NOT_RUNNING, ERR_SEVERAL_INSTANCES, ERR_UNSAFE_PATH } from '../errors';
import { sendControl } from '../supervision/control-client';
import type { ControlRequest, ControlResponse } from '../supervision/control-protocol';
import { checkFolder, gopoolHome, instancePaths } from '../supervision/paths';

/** Names of the instances that have a control socket in GOPOOL_HOME (running, or died without cleaning up). */
export function instanceNames(): string[] {
  const home = gopoolHome();
  if (!existsSync(home)) return [];
  checkFolder(home, statSync(home));
  return readdirSync(home)
    .filter((f) => f.endsWith('.sock'))
    .map((f) => f.slice(0, -'.sock'.length))
    .sort();
}

/** The instance a command is about: the one named, or the only one running. */
export function pickInstance(name: string | undefined): string {
  if (name) return name;
  const names = instanceNames();
  if (names.length === 1) return names[0]!;
  if (names.length === 0) throw new ERR_NO_INSTANCE(gopoolHome());
  throw new ERR_SEVERAL_INSTANCES(names.join(', '));
}

/** Sends a command to a named instance; a missing or dead instance is a clear error. */
export async function control(name: string, request: ControlRequest): Promise<ControlResponse> {
  const socket = instancePaths(name).socket;
  checkSocket(socket);
  try {
    return await sendControl(socket, request);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new ERR_NOT_RUNNING(name, gopoolHome());
    throw err;
  }
}

/** A control socket is only talked to if it is a socket of this user's, never through a link. */
function checkSocket(path: string): void {
  let stats: ReturnType<typeof lstatSync>;
  try {
    stats = lstatSync(path);
  } catch {
    return; // missing: connecting says so
  }
  const uid = process.getuid?.();
  if (!stats.isSocket()) throw new ERR_UNSAFE_PATH(path, stats.isSymbolicLink() ? 'a symbolic link' : 'not a socket');
  if (uid !== undefined && stats.uid !== uid) throw new ERR_UNSAFE_PATH(path, `owned by uid ${stats.uid}`);
}
