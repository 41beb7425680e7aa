import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { ERR_NO_LOG, ERR_NO_LOG_NAME } from '../../errors';
import { instancePaths } from '../../supervision/paths';
import { instanceNames } from '../instances';

/** Prints the last `lines` lines of an instance's log; with `follow`, keeps printing, across rotations. */
export async function logsCommand(name: string | undefined, lines: number, follow: boolean): Promise<void> {
  const target = name ?? pickLogName();
  const path = instancePaths(target).log;
  if (!existsSync(path)) throw new ERR_NO_LOG(target, path);
  let position = printTail(path, lines);
  if (!follow) return;
  let inode = statSync(path).ino;
  // Polling, not fs.watch: it sees rotations (a new inode) the same way on every file system.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      continue; // between rename and reopen
    }
    if (stat.ino !== inode) {
      inode = stat.ino;
      position = 0;
    }
    if (stat.size < position) position = 0;
    if (stat.size > position) position = copyRange(path, position, stat.size);
  }
}

function pickLogName(): string {
  const names = instanceNames();
  if (names.length === 1) return names[0]!;
  throw new ERR_NO_LOG_NAME(
    names.length === 0 ? 'no gopool instance is running; name the one whose log you want' : `several instances are running (${names.join(', ')}); name one`,
  );
}

function printTail(path: string, lines: number): number {
  const size = statSync(path).size;
  const chunk = Math.min(size, Math.max(64 * 1024, lines * 512));
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(chunk);
  readSync(fd, buffer, 0, chunk, size - chunk);
  closeSync(fd);
  const text = buffer.toString('utf8');
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  if (chunk < size) all.shift(); // a partial first line
  const tail = all.slice(-lines);
  if (tail.length > 0) process.stdout.write(`${tail.join('\n')}\n`);
  return size;
}

function copyRange(path: string, from: number, to: number): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(to - from);
  const read = readSync(fd, buffer, 0, buffer.length, from);
  closeSync(fd);
  process.stdout.write(buffer.subarray(0, read));
  return from + read;
}
