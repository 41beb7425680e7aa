import { threadId } from 'node:worker_threads';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * gopool's own log: JSON lines on stdout (what systemd, containers and log shippers expect).
 * Threads write to the same file descriptor directly, not through the master's event loop;
 * every line says which thread wrote it.
 */
export function createLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { pid: process.pid, role, ...(threadId ? { thread: threadId } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
