/**
 * What each route's handler costs its thread per request, in milliseconds, learned from what
 * the threads measure: the synchronous run (every request, wherever it runs) and the rest of
 * the thread's CPU time the request takes after its awaits (measured on pool threads:
 * dispatch/pool/task-clock.ts). A route never measured has no cost: each reader says what that
 * means for it (the pool sends it alone, placement sends it to the pool to be measured there).
 */
export class RouteCost {
  sync = 0;
  syncSamples = 0;
  async = 0;
  asyncSamples = 0;

  /** Synchronous run plus the rest: the thread's time per request, once both were measured. */
  expected(): number | undefined {
    return this.asyncSamples === 0 ? undefined : this.sync + this.async;
  }

  /** A synchronous run measured on this thread. */
  recordSync(ms: number): void {
    this.sync = average(this.sync, ms, ++this.syncSamples);
  }
}

/**
 * How many of this thread's own samples a cost measured on another thread counts as: the
 * samples that follow, the slowest a thread takes (its code is cold when it has just started),
 * then move it by a fifth each instead of by half, and a route known to be cheap is not sent
 * to the pool for the first few requests of a new thread.
 */
const MEASURED_ELSEWHERE = 5;

export class RouteCosts {
  private readonly costs = new Map<string, RouteCost>();

  /** Synchronous run plus the rest: the thread's time per request, once both were measured. */
  expected(routeKey: string): number | undefined {
    return this.costs.get(routeKey)?.expected();
  }

  /** The synchronous run alone: what sending the task promises of a thread right away. */
  expectedSync(routeKey: string): number | undefined {
    const cost = this.costs.get(routeKey);
    return cost === undefined || cost.syncSamples === 0 ? undefined : cost.sync;
  }

  /** The rest alone: what keeps the thread busy after the handler first awaited (-1: not measured). */
  expectedAsync(routeKey: string): number {
    const cost = this.costs.get(routeKey);
    return cost === undefined || cost.asyncSamples === 0 ? -1 : cost.async;
  }

  record(routeKey: string, syncMs: number): void {
    this.of(routeKey).recordSync(syncMs);
  }

  recordAsync(routeKey: string, asyncMs: number): void {
    const cost = this.of(routeKey);
    cost.async = average(cost.async, asyncMs, ++cost.asyncSamples);
  }

  /** Takes the cost measured on another thread (the pool's estimate of both parts) as the current one. */
  set(routeKey: string, syncMs: number, asyncMs: number): void {
    const cost = this.of(routeKey);
    cost.sync = syncMs;
    cost.syncSamples = Math.max(cost.syncSamples, MEASURED_ELSEWHERE);
    this.setAsync(routeKey, asyncMs);
  }

  /** Takes the pool's estimate of the rest, keeping this thread's own measure of the synchronous run. */
  setAsync(routeKey: string, asyncMs: number): void {
    const cost = this.of(routeKey);
    cost.async = asyncMs;
    cost.asyncSamples = Math.max(cost.asyncSamples, 1);
  }

  /** The route's entry, kept by whoever records or reads it on every request (measured or not yet). */
  of(routeKey: string): RouteCost {
    let cost = this.costs.get(routeKey);
    if (cost === undefined) this.costs.set(routeKey, (cost = new RouteCost()));
    return cost;
  }
}

/**
 * A plain average over the first samples (a cold thread's first calls are slow: one must not
 * dominate), then exponentially weighted, so recent behaviour counts most.
 */
function average(mean: number, value: number, samples: number): number {
  return samples === 1 ? value : mean + (value - mean) * Math.max(0.2, 1 / samples);
}
