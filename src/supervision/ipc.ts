/** Messages over the IPC channel between the daemon and its master. */
import type { MetricsSnapshot } from '../monitoring/metrics';

/** What a master reports about itself: its metrics snapshot. */
export type MasterStats = MetricsSnapshot;

export type ToDaemon =
  /** The master resolved its options and wants the listening socket. */
  | { t: 'listen'; host: string; port: number }
  /** Listening and able to serve. */
  | { t: 'ready'; url: string; gracePeriod: number }
  /** Could not start: the reason, for the user. No restart: it would fail the same way. */
  | { t: 'fatal'; message: string }
  | { t: 'stats'; id: number; stats: MasterStats };

export type ToMaster =
  /** Sent with the socket handle attached. */
  | { t: 'handle' }
  /** Binding failed: the coded error (src/errors.ts) as its code and message. */
  | { t: 'listen-error'; code: string; message: string }
  /** Stop accepting, finish in-flight requests, exit 0. */
  | { t: 'drain' }
  | { t: 'stats?'; id: number }
  /** Sent once the master is ready: the daemon's own figures, for the master's metrics. */
  | { t: 'daemon'; pid: number; startedAt: number; restarts: number };

/** The master's environment variable carrying what it must load. */
export const MASTER_SPEC_ENV = 'GOPOOL_MASTER_SPEC';

export interface MasterSpec {
  appFile: string;
  /**
   * Options laid over the layers the master reads itself (its code, its environment): the
   * command line's, and the config file's that the environment does not set (see
   * config/resolve-options.ts masterOverrides).
   */
  cli: Record<string, unknown>;
}

/** The background daemon's environment variable carrying what it must start. */
export const DAEMON_SPEC_ENV = 'GOPOOL_DAEMON_SPEC';

/**
 * How a start ended: the app serves at `url`, or it will not, and why (for the user). What a
 * background daemon sends the `gopool start --daemon` that launched it, and what a new
 * master's start comes to for a reload.
 */
export type StartOutcome = { ok: true; url: string } | { ok: false; message: string };
