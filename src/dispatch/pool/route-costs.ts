/**
 * What each route's handler costs its thread per request, in milliseconds, learned from what
 * the threads measure. A route never measured has no cost: each reader says what that means
 * for it (the pool sends it alone, placement sends it to the pool to be measured there).
 */
export class RouteCosts {
  private readonly costs = new Map<string, { mean: number; samples: number }>();

  expected(routeKey: string): number | undefined {
    return this.costs.get(routeKey)?.mean;
  }

  /**
   * A plain average over the first samples (a cold thread's first calls are slow: one must not
   * dominate), then exponentially weighted, so recent behaviour counts most.
   */
  record(routeKey: string, ms: number): void {
    const cost = this.costs.get(routeKey);
    if (cost === undefined) {
      this.costs.set(routeKey, { mean: ms, samples: 1 });
      return;
    }
    cost.samples++;
    const weight = Math.max(0.2, 1 / cost.samples);
    cost.mean += (ms - cost.mean) * weight;
  }

  /** Takes a cost measured elsewhere as the current estimate. */
  set(routeKey: string, ms: number): void {
    const cost = this.costs.get(routeKey);
    if (cost === undefined) this.costs.set(routeKey, { mean: ms, samples: 1 });
    else cost.mean = ms;
  }
}
