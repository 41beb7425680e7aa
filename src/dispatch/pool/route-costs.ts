/**
 * What each route's handler costs its thread per request, in milliseconds, learned from what
 * the threads measure: the synchronous run (every request) and the time its continuations take
 * the thread's event loop after awaits (sampled: dispatch/cpu-sampler.ts). A route never
 * measured has no cost: each reader says what that means for it (the pool sends it alone,
 * placement sends it to the pool to be measured there).
 */
interface Cost {
  sync: number;
  syncSamples: number;
  async: number;
  asyncSamples: number;
}

export class RouteCosts {
  private readonly costs = new Map<string, Cost>();

  /** Synchronous run plus continuations: the thread's time per request. */
  expected(routeKey: string): number | undefined {
    const cost = this.costs.get(routeKey);
    return cost === undefined ? undefined : cost.sync + cost.async;
  }

  /** The synchronous run alone: what sending the task promises of a thread right away. */
  expectedSync(routeKey: string): number | undefined {
    return this.costs.get(routeKey)?.sync;
  }

  /** The continuations alone: what keeps the thread busy after the handler first awaited. */
  expectedAsync(routeKey: string): number {
    return this.costs.get(routeKey)?.async ?? 0;
  }

  record(routeKey: string, syncMs: number): void {
    const cost = this.entry(routeKey);
    cost.sync = average(cost.sync, syncMs, ++cost.syncSamples);
  }

  recordAsync(routeKey: string, asyncMs: number): void {
    const cost = this.entry(routeKey);
    cost.async = average(cost.async, asyncMs, ++cost.asyncSamples);
  }

  /** Takes a cost measured elsewhere (sync + continuations) as the current estimate. */
  set(routeKey: string, ms: number): void {
    const cost = this.entry(routeKey);
    cost.sync = ms;
    cost.async = 0;
    cost.syncSamples = Math.max(cost.syncSamples, 1);
  }

  private entry(routeKey: string): Cost {
    let cost = this.costs.get(routeKey);
    if (cost === undefined) this.costs.set(routeKey, (cost = { sync: 0, syncSamples: 0, async: 0, asyncSamples: 0 }));
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
