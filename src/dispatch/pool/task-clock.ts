/**
 * What each task costs the pool thread that runs it: its synchronous runs, timed exactly, plus
 * an equal share of the thread's other busy time while the task was in flight: the
 * continuations after its awaits, the timers and immediates it scheduled (bcryptjs hashes in
 * such chunks), the garbage it left. A handler's continuations cannot be told apart from
 * another's without async_hooks, which slow every promise of the thread and deoptimize its
 * code each time they are switched on; sharing the rest equally is exact for a thread that
 * runs one route, and close for a mix.
 *
 * `busy()` is the thread's CPU time so far in ms (runtime/thread-cpu.ts): neither time blocked
 * waiting for I/O nor time spent waiting for a core counts.
 */
export class TaskClock {
  /** Busy time shared out so far, per task in flight: a task's share is the growth of this while it runs. */
  private shared = 0;
  private lastBusy: number;
  /** Synchronous runs timed since the last advance: charged to their own tasks, not shared. */
  private timed = 0;
  private inFlight = 0;

  constructor(private readonly busy: () => number) {
    this.lastBusy = busy();
  }

  /** A task is about to run: its mark, for `end`. */
  start(): number {
    this.advance();
    this.inFlight++;
    return this.shared;
  }

  /** A synchronous run of a task, timed by the caller and charged to that task alone. */
  ran(ms: number): void {
    this.timed += ms;
  }

  /** A task settled: its share of the thread's busy time beyond its synchronous runs, in ms. */
  end(mark: number): number {
    this.advance();
    this.inFlight = Math.max(0, this.inFlight - 1);
    return Math.max(0, this.shared - mark);
  }

  private advance(): void {
    const now = this.busy();
    const rest = now - this.lastBusy - this.timed;
    this.lastBusy = now;
    this.timed = 0;
    if (this.inFlight > 0 && rest > 0) this.shared += rest / this.inFlight;
  }
}
