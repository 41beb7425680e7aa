/**
 * What each route's handler costs in synchronous run time, learned from what the threads
 * report. The pool uses it to decide how much work a thread may be promised at once.
 */
export class RouteCosts {
  private readonly costs = new Map<string, { mean: number; samples: number }>();

  /** A route never measured counts as filling a thread's budget: it goes alone until known. */
  constructor(private readonly unknownCost: number) {}

  expected(routeKey: string): number {
    return this.costs.get(routeKey)?.mean ?? this.unknownCost;
  }

  /**
   * A plain average over the first samples (a cold thread's first calls are slow: one must not
   * dominate), then exponentially weighted, so recent behaviour counts most.
   */
  record(routeKey: string, syncMs: number): void {
    const cost = this.costs.get(routeKey);
    if (cost === undefined) {
      this.costs.set(routeKey, { mean: syncMs, samples: 1 });
      return;
    }
    cost.samples++;
    const weight = Math.max(0.2, 1 / cost.samples);
    cost.mean += (syncMs - cost.mean) * weight;
  }

  /** Takes a cost measured elsewhere as the current estimate. */
  set(routeKey: string, costMs: number): void {
    const cost = this.costs.get(routeKey);
    if (cost === undefined) this.costs.set(routeKey, { mean: costMs, samples: 1 });
    else cost.mean = costMs;
  }
}
