import { readFileSync } from 'node:fs';

/**
 * Memory only this process uses (RssAnon in /proc/self/status, bytes): the Node binary's pages
 * are shared with the master and counted there. 0 where /proc is not there.
 */
export function privateMemory(status = readStatus()): number {
  return Number(status.match(/RssAnon:\s+(\d+)/)?.[1] ?? 0) * 1024;
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
