/**
 * When to restart a master that died. Exponential backoff (100 ms doubling to 15 s, back to
 * 100 ms after 30 s of good uptime), and a crash loop (5 crashes within 60 s) stops the
 * restarts: spinning forever helps nobody (the original restarted instantly, forever).
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

export class RestartPolicy {
  private delay: number;
  private readonly crashes: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {
    this.delay = options.initialDelayMs;
  }

  /** Called for every unexpected exit, with how long that master had been up. */
  onCrash(now: number, uptimeMs: number): RestartDecision {
    if (uptimeMs >= this.options.resetAfterMs) this.delay = this.options.initialDelayMs;
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0]! > this.options.crashWindowMs) this.crashes.shift();
    if (this.crashes.length >= this.options.crashLimit) {
      return { restart: false, reason: `crash loop: ${this.crashes.length} crashes within ${this.options.crashWindowMs / 1000} s` };
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
