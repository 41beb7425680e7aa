/**
 * The handlers awaiting something on a thread that runs them inline, each with its deadline:
 * a list per timeout value, in the order the runs started, which is the order of their
 * deadlines. One timer per list, armed for its oldest run, stands for every run's timeout: a
 * request makes no timer of its own. Runs are linked through themselves: a Set that every
 * request joins and leaves kept each request's objects alive across minor garbage collections
 * (seen with --trace-gc-nvp: they were copied and promoted instead of dying young).
 */
import type { TaskResult } from './task';

export class AwaitingRun {
  prev: AwaitingRun | undefined = undefined;
  next: AwaitingRun | undefined = undefined;
  deadline = 0;
  lane: Lane | undefined = undefined;

  constructor(
    readonly routeKey: string,
    /** Its request: aborted (its handler's signal) if the run ends here rather than by the handler's answer. */
    readonly request: { abort(reason: unknown): void },
    /** Told the outcome once: the handler's result, or why the run ended without it (a timeout, a crash it is blamed for). */
    readonly done: (result: TaskResult | undefined, err?: Error) => void,
  ) {}

  /** Ends the run without its handler's answer. */
  fail(err: Error): void {
    this.request.abort(err);
    this.done(undefined, err);
  }
}

interface Lane {
  timeout: number;
  head: AwaitingRun | undefined;
  tail: AwaitingRun | undefined;
  timer: { unref(): unknown } | undefined;
  /** When the armed timer fires (0: none armed). */
  armedFor: number;
}

export interface Clock {
  now(): number;
  schedule(run: () => void, ms: number): { unref(): unknown };
}

const REAL_CLOCK: Clock = { now: () => performance.now(), schedule: (run, ms) => setTimeout(run, ms) };

export class AwaitingRuns {
  private readonly lanes = new Map<number, Lane>();
  private count = 0;

  /** `onTimeout(run, timeout)`: the run's deadline passed; it has been removed already. */
  constructor(
    private readonly onTimeout: (run: AwaitingRun, timeout: number) => void,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  get size(): number {
    return this.count;
  }

  add(run: AwaitingRun, timeout: number): void {
    let lane = this.lanes.get(timeout);
    if (lane === undefined) this.lanes.set(timeout, (lane = { timeout, head: undefined, tail: undefined, timer: undefined, armedFor: 0 }));
    run.deadline = this.clock.now() + timeout;
    run.lane = lane;
    run.prev = lane.tail;
    if (lane.tail) lane.tail.next = run;
    else lane.head = run;
    lane.tail = run;
    this.count++;
    // A timer already armed for an older run fires first, and arms itself again for the next.
    if (lane.armedFor === 0) this.arm(lane);
  }

  /** False if it was not awaiting (it ended already). */
  remove(run: AwaitingRun): boolean {
    const lane = run.lane;
    if (lane === undefined) return false;
    if (run.prev) run.prev.next = run.next;
    else lane.head = run.next;
    if (run.next) run.next.prev = run.prev;
    else lane.tail = run.prev;
    run.prev = run.next = run.lane = undefined;
    this.count--;
    return true;
  }

  /** The one run awaiting, if exactly one is. */
  only(): AwaitingRun | undefined {
    if (this.count !== 1) return undefined;
    for (const lane of this.lanes.values()) if (lane.head) return lane.head;
    return undefined;
  }

  private arm(lane: Lane): void {
    const head = lane.head;
    if (head === undefined) {
      lane.armedFor = 0;
      return;
    }
    lane.armedFor = head.deadline;
    lane.timer = this.clock.schedule(() => this.expire(lane), Math.max(0, head.deadline - this.clock.now()));
    lane.timer.unref();
  }

  private expire(lane: Lane): void {
    const now = this.clock.now();
    for (let run = lane.head; run !== undefined && run.deadline <= now; run = lane.head) {
      this.remove(run);
      this.onTimeout(run, lane.timeout);
    }
    this.arm(lane);
  }
}
