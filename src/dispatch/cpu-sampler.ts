/**
 * What a handler really costs its thread: its synchronous run, plus the time its event loop
 * spends on the handler's continuations (after each await, in the timers and immediates it
 * scheduled). Work done in chunks across turns (bcryptjs, template rendering with awaits,
 * building a large result in steps) costs nothing in the first synchronous run and a lot after.
 *
 * Measured with async_hooks on samples only: every async resource created while a sampled
 * handler runs synchronously, and every one created from those, is followed, and the time
 * between their `before` and `after` is summed. (Not by running the handler in an
 * AsyncResource scope of its own: a handler stopped by an interrupt would leave that scope
 * open, and node aborts the process on a broken async-id stack.) The hooks are enabled only while a sample runs (they slow
 * every promise on the thread meanwhile): a route's first runs, then one run per route every
 * SAMPLE_EVERY_MS, one at a time.
 */
import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/** A route's first runs are sampled, so that its cost is known at once. */
const FIRST_SAMPLES = 3;
const SAMPLE_EVERY_MS = 1000;
/** A sample still open after this long stops following its continuations (a long poll, a stream). */
const SAMPLE_FOR_AT_MOST_MS = 5000;

interface Sample {
  asyncMs: number;
  started: number;
  /** While continuations of it run: when the outermost started, and how deep they nest. */
  runningSince: number;
  depth: number;
  ids: number[];
  open: boolean;
}

export class CpuSampler {
  /** Async resource id -> the sample it belongs to. */
  private readonly followed = new Map<number, Sample>();
  /** The sample whose handler is running synchronously right now. */
  private current: Sample | undefined;
  private active = 0;
  /** Async callbacks running now, nested (every one the hook sees, followed or not). */
  private depth = 0;
  /** Told when the hook goes on or off and how deep callbacks nest (for sync-watch.ts). */
  onState: ((on: boolean, depth: number) => void) | undefined;
  private readonly perRoute = new Map<string, { runs: number; lastSample: number; sampling: boolean }>();
  private readonly hook = createHook({
    init: (id, _type, trigger) => {
      const sample = this.current ?? this.followed.get(trigger);
      if (sample?.open) {
        this.followed.set(id, sample);
        sample.ids.push(id);
      }
    },
    // Callbacks nest (a promise reaction inside an immediate): only the outermost one is timed.
    before: (id) => {
      this.onState?.(true, ++this.depth);
      const sample = this.followed.get(id);
      if (sample?.open && sample.depth++ === 0) sample.runningSince = performance.now();
    },
    after: (id) => {
      this.onState?.(true, (this.depth = Math.max(0, this.depth - 1)));
      const sample = this.followed.get(id);
      if (sample?.open && sample.depth > 0 && --sample.depth === 0) sample.asyncMs += performance.now() - sample.runningSince;
    },
  });

  /** Should this run of the route be sampled? (Counts the run.) */
  wants(routeKey: string): boolean {
    let route = this.perRoute.get(routeKey);
    if (route === undefined) this.perRoute.set(routeKey, (route = { runs: 0, lastSample: 0, sampling: false }));
    route.runs++;
    if (route.sampling) return false;
    const now = performance.now();
    if (route.runs > FIRST_SAMPLES && now - route.lastSample < SAMPLE_EVERY_MS) return false;
    route.sampling = true;
    route.lastSample = now;
    return true;
  }

  /**
   * Runs `run` as a sample. `finish` (call it once the handler's outcome settled) says how many
   * ms of the thread's time its continuations took.
   */
  sample<T>(routeKey: string, run: () => T): { value: T; finish: () => number } {
    const sample: Sample = { asyncMs: 0, started: performance.now(), runningSince: 0, depth: 0, ids: [], open: true };
    if (this.active++ === 0) {
      this.depth = 0;
      this.onState?.(true, 0);
      this.hook.enable();
    }
    const limit = setTimeout(() => finish(), SAMPLE_FOR_AT_MOST_MS);
    limit.unref();
    let finished = false;
    const finish = (): number => {
      if (!finished) {
        finished = true;
        clearTimeout(limit);
        sample.open = false;
        if (this.current === sample) this.current = undefined; // its run was interrupted
        for (const id of sample.ids) this.followed.delete(id);
        if (--this.active === 0) {
          this.hook.disable();
          this.onState?.(false, 0);
        }
        this.perRoute.get(routeKey)!.sampling = false;
      }
      return sample.asyncMs;
    };
    let value: T;
    this.current = sample;
    try {
      value = run();
    } catch (err) {
      finish();
      throw err;
    } finally {
      this.current = undefined;
    }
    return { value, finish };
  }
}
