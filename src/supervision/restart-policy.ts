/**
 * When to restart a master that died. Exponential backoff (100 ms doubling to 15 s, back to
 * 100 ms after 30 s of good uptime), and a crash loop (5 crashes within 60 s) stops the
 * restarts: spinning forever helps nobody.
 *
 * A master killed by SIGKILL from outside the daemon (an operator's `kill -9`, the kernel's
 * OOM killer) is restarted with the same backoff but does not count towards the crash loop:
 * the app did not fail, something stopped it. The trade-off: an app the OOM killer takes at
 * every start is retried for ever, at most every 15 s, instead of being given up on.
 */
export interface RestartPolicyOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Uptime after which the master counts as healthy again and the delay resets. */
  resetAfterMs: number;
  crashLimit: number;
  crashWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 100,
  maxDelayMs: 15_000,
  resetAfterMs: 30_000,
  crashLimit: 5,
  crashWindowMs: 60_000,
};

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

/** How a master ended: a crash of its own, or a SIGKILL the daemon did not send. */
export type ExitCause = 'crash' | 'killed-from-outside';

export class RestartPolicy {
  private delay: number;
  private readonly crashes: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {
    this.delay = options.initialDelayMs;
  }

  /** Called for every unexpected exit, with how long that master had been up. */
  onExit(now: number, uptimeMs: number, cause: ExitCause = 'crash'): RestartDecision {
    if (uptimeMs >= this.options.resetAfterMs) this.delay = this.options.initialDelayMs;
    while (this.crashes.length > 0 && now - this.crashes[0]! > this.options.crashWindowMs) this.crashes.shift();
    if (cause === 'crash') {
      this.crashes.push(now);
      if (this.crashes.length >= this.options.crashLimit) {
        return { restart: false, reason: `crash loop: ${this.crashes.length} crashes within ${this.options.crashWindowMs / 1000} s` };
      }
    }
    const delayMs = this.delay;
    this.delay = Math.min(this.delay * 2, this.options.maxDelayMs);
    return { restart: true, delayMs };
  }

  /** A manual restart or reload starts the count afresh. */
  reset(): void {
    this.delay = this.options.initialDelayMs;
    this.crashes.length = 0;
  }
}

/** A SIGKILL the daemon did not send itself comes from outside (an operator, the OOM killer). */
export function exitCause(signal: NodeJS.Signals | null, killedByDaemon: boolean): ExitCause {
  return signal === 'SIGKILL' && !killedByDaemon ? 'killed-from-outside' : 'crash';
}
