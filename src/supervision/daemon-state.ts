import { ERR_DAEMON_STATE } from '../errors';
import type { DaemonState } from './control-protocol';

/**
 * The daemon's states and the moves allowed between them, in one table:
 *
 *   starting ──ready──▶ online ──master died──▶ restarting ──ready──▶ online
 *       │                 │  ▲                      │
 *       │              reload └──── ready ──── reloading ◀── reload ── errored
 *       │                                           │                   ▲
 *       └──────────────── crash loop, or a reload with no master left ──┘
 *   every state but stopping ──stop──▶ stopping (final)
 *
 * `errored` carries its reason; the daemon has closed its listening socket then.
 */
const MOVES: Record<DaemonState, readonly DaemonState[]> = {
  starting: ['online', 'stopping'],
  online: ['restarting', 'reloading', 'errored', 'stopping'],
  restarting: ['online', 'restarting', 'reloading', 'errored', 'stopping'],
  reloading: ['online', 'restarting', 'errored', 'stopping'],
  errored: ['reloading', 'stopping'],
  stopping: [],
};

export class DaemonStateMachine {
  private current: DaemonState = 'starting';
  private reason: string | null = null;

  get state(): DaemonState {
    return this.current;
  }

  /** Why the daemon is `errored` (null in every other state). */
  get error(): string | null {
    return this.reason;
  }

  is(...states: DaemonState[]): boolean {
    return states.includes(this.current);
  }

  /** Moves to `next`; a move the table does not allow is a bug in the daemon, and throws. */
  to(next: DaemonState, reason: string | null = null): void {
    if (next !== this.current && !MOVES[this.current].includes(next)) {
      throw new ERR_DAEMON_STATE(this.current, next);
    }
    this.current = next;
    this.reason = next === 'errored' ? reason : null;
  }

  static canMove(from: DaemonState, to: DaemonState): boolean {
    return from === to || MOVES[from].includes(to);
  }
}
