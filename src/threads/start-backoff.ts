/**
 * How long to wait before starting a thread again after starts failed, for pool and ingress
 * threads alike: the first retry after 100 ms, then twice as long after every failure, at most
 * 10 s, back to 100 ms once a thread has started.
 *
 * Why these numbers. A failed start costs what a start costs, the app file loaded in a fresh
 * isolate: after a broken deploy, doubling from 100 ms makes that a handful of attempts in the
 * first seconds, not a spin. A cause that passes (memory tight for a moment, the daemon slow to
 * hand over a descriptor) is retried almost at once. And while no thread of a kind runs, that
 * kind of work is not served (connections wait in the listening socket, queued requests are
 * answered 503), so the wait never grows past 10 s: a cause that went away, a database the
 * app's set-up needs, is noticed within seconds, and one failed start every 10 s costs the
 * process little. Both kinds of thread load the same app file and fail for the same reasons,
 * so one policy serves both.
 */
const FIRST_MS = 100;
const MAX_MS = 10_000;

export class StartBackoff {
  private delayMs = FIRST_MS;
  private blockedUntil = 0;

  /** A thread failed to start at `now`: no other starts for the current delay, which then doubles. */
  failed(now: number): void {
    this.blockedUntil = now + this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, MAX_MS);
  }

  /** A thread started: the next failure waits the shortest delay again. */
  started(): void {
    this.delayMs = FIRST_MS;
  }

  /** How long from `now` until a thread may start (0: it may now). */
  waitMs(now: number): number {
    return Math.max(0, this.blockedUntil - now);
  }
}
