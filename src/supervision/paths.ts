import { chmodSync, lstatSync, mkdirSync, type Stats, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ERR_BAD_NAME, ERR_HOME_NOT_DIRECTORY, ERR_HOME_NOT_OWNED, ERR_HOME_WORLD_WRITABLE, ERR_UNSAFE_PATH } from '../errors';

/**
 * Where running instances leave their traces: GOPOOL_HOME (default ~/.gopool), private
 * (0700) because its control sockets accept commands. A folder another user owns, or one
 * every user may write without the sticky bit, is refused: whoever can write there could
 * plant a symbolic link where the pid file goes, or remove the control socket.
 */
export function gopoolHome(): string {
  return process.env.GOPOOL_HOME || join(homedir(), '.gopool');
}

export interface InstancePaths {
  pid: string;
  socket: string;
  log: string;
}

export function instancePaths(name: string, home = gopoolHome()): InstancePaths {
  return {
    pid: join(home, `${name}.pid`),
    socket: join(home, `${name}.sock`),
    log: join(home, 'logs', `${name}.log`),
  };
}

/** Creates GOPOOL_HOME and its logs folder if needed, and checks both are safe to write in. */
export function ensureHome(home = gopoolHome(), uid = currentUid()): void {
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  const stats = statSync(home); // the folder itself may be reached through a link of the user's
  checkFolder(home, stats, uid);
  if (uid !== undefined && stats.uid === uid) chmodSync(home, 0o700);
  const logs = join(home, 'logs');
  const logStats = lstatSync(logs);
  if (logStats.isSymbolicLink()) throw new ERR_UNSAFE_PATH(logs, 'a symbolic link');
  checkFolder(logs, logStats, uid);
}

/** Throws the coded error that says why a folder cannot hold an instance's files. */
export function checkFolder(path: string, stats: Pick<Stats, 'uid' | 'mode' | 'isDirectory'>, uid = currentUid()): void {
  if (!stats.isDirectory()) throw new ERR_HOME_NOT_DIRECTORY(path);
  if (uid !== undefined && stats.uid !== uid) throw new ERR_HOME_NOT_OWNED(path, stats.uid, uid);
  const worldWritable = (stats.mode & 0o002) !== 0;
  const sticky = (stats.mode & 0o1000) !== 0;
  if (worldWritable && !sticky) throw new ERR_HOME_WORLD_WRITABLE(path);
}

/** Instance names become file names: keep them to a safe alphabet. */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new ERR_BAD_NAME(name);
}

function currentUid(): number | undefined {
  return process.getuid?.();
}
