/**
 * The daemon's own log: JSON lines shaped like pino's (level, time, pid, role, msg), written
 * by hand instead of with pino because the daemon stays small: it loads no user code and as
 * little of ours as it can.
 */
export type LogSink = (line: string) => void;

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof LEVELS;

export interface DaemonLog {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  fatal(fields: Record<string, unknown>, msg: string): void;
  setSink(sink: LogSink): void;
  /** A reload may bring a new log level. */
  setLevel(levelName: string): void;
}

function threshold(levelName: string): number {
  return levelName === 'silent' ? Infinity : (LEVELS[levelName as Level] ?? LEVELS.info);
}

export function createDaemonLog(levelName: string, sink: LogSink = (line) => process.stdout.write(line)): DaemonLog {
  let least = threshold(levelName);
  let write = sink;
  const at =
    (level: Exclude<Level, 'trace'>) =>
    (fields: Record<string, unknown>, msg: string): void => {
      if (LEVELS[level] < least) return;
      write(`${JSON.stringify({ level: LEVELS[level], time: new Date().toISOString(), pid: process.pid, role: 'daemon', ...fields, msg })}\n`);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    setSink(next) {
      write = next;
    },
    setLevel(next) {
      least = threshold(next);
    },
  };
}
