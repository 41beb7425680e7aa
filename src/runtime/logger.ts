import { threadId } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';

export type { Logger };

/**
 * gopool's own log: JSON lines on stdout (what systemd, containers and log shippers expect).
 * Threads write to the same file descriptor directly, not through the master's event loop;
 * every line says which thread wrote it.
 */
export function createLogger(level: string, role: string): Logger {
  const pino = require('pino') as typeof import('pino');
  return pino({
    level,
    base: { pid: process.pid, role, ...(threadId ? { thread: threadId } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/**
 * The same log, made on first use: a pool thread that never logs never loads pino (a few MB
 * of each thread's heap, times every thread of a large pool).
 */
export function lazyLogger(level: string, role: string): FastifyBaseLogger {
  let made: Logger | undefined;
  const real = (): Logger => (made ??= createLogger(level, role));
  return {
    get level() {
      return made?.level ?? level;
    },
    set level(value) {
      real().level = value;
    },
    fatal: (...args: Parameters<Logger['fatal']>) => real().fatal(...args),
    error: (...args: Parameters<Logger['error']>) => real().error(...args),
    warn: (...args: Parameters<Logger['warn']>) => real().warn(...args),
    info: (...args: Parameters<Logger['info']>) => real().info(...args),
    debug: (...args: Parameters<Logger['debug']>) => real().debug(...args),
    trace: (...args: Parameters<Logger['trace']>) => real().trace(...args),
    silent: (...args: Parameters<Logger['silent']>) => real().silent(...args),
    child: (bindings, options) => real().child(bindings, options),
  } as FastifyBaseLogger;
}
