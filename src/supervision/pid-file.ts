import { closeSync, constants, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { ERR_UNSAFE_PATH } from '../errors';

/**
 * The pid file, written without ever following a symbolic link: the pid goes into a new file
 * (O_CREAT | O_EXCL | O_NOFOLLOW: it fails if anything is already there) that is then renamed
 * over the final name; rename replaces a link itself, never what it points to.
 */
export function writePidFile(path: string, pid = process.pid): void {
  const temporary = `${path}.${pid}.tmp`;
  // Left by a daemon that died with this pid: unlink removes it, or a link in its place, itself.
  try {
    unlinkSync(temporary);
  } catch {
    // none
  }
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** The pid in the file, if it is a regular file (a link is never read through). */
export function readPidFile(path: string): number | undefined {
  try {
    if (!lstatSync(path).isFile()) throw new ERR_UNSAFE_PATH(path, 'not a regular file');
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const pid = Number(readFileSync(fd, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes the pid file if it still holds this pid (a newer daemon may have replaced it). */
export function removePidFile(path: string, pid = process.pid): void {
  try {
    if (readPidFile(path) === pid) unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}
