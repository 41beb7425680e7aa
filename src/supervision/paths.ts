import { mkdirSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where running instances leave their traces: GOPOOL_HOME (default ~/.gopool), created
 * private (0700) because its control sockets accept commands.
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

export function ensureHome(home = gopoolHome()): void {
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
}

/** Instance names become file names: keep them to a safe alphabet. */
export function checkName(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? undefined : `instance name must be 1-64 letters, digits, ".", "_" or "-", got "${name}"`;
}
