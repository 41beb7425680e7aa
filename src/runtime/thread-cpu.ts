import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * A clock of the calling thread's CPU time, in ms. On Linux, the scheduler's own count of the
 * time the thread ran (`/proc/thread-self/schedstat`, read through a descriptor kept open: a
 * read costs a couple of microseconds), so that time spent waiting for a core on a busy
 * machine is not taken for work. Elsewhere, the event loop's active time (which does count it).
 */
export function threadCpuClock(): () => number {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return () => performance.eventLoopUtilization().active;
  }
  const buffer = Buffer.alloc(64);
  const read = (): number => {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    let ns = 0;
    for (let i = 0; i < length; i++) {
      const digit = buffer[i]! - 48;
      if (digit < 0 || digit > 9) break;
      ns = ns * 10 + digit;
    }
    return ns / 1e6;
  };
  try {
    read();
  } catch {
    closeSync(fd);
    return () => performance.eventLoopUtilization().active;
  }
  return read;
}

/** The calling thread's id in the operating system (Linux: `/proc/thread-self`), or 0 where there is none. For monitoring: which thread of the process is which. */
export function osThreadId(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop()) || 0;
  } catch {
    return 0;
  }
}
