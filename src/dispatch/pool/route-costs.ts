/**
 * What each route's handler costs in synchronous run time, learned from what the threads
 * report. The pool uses it to decide how much work a thread may be promised at once.
 */
export class RouteCosts {
  private readonly costs = new Map<string, number>();

  /** A route never measured counts as filling a thread's budget: it goes alone until known. */
  constructor(private readonly unknownCost: number) {}

  expected(routeKey: string): number {
    return this.costs.get(routeKey) ?? this.unknownCost;
  }

  /** Exponentially weighted: recent behaviour dominates, one outlier does not. */
  record(routeKey: string, syncMs: number): void {
    const previous = this.costs.get(routeKey);
    this.costs.set(routeKey, previous === undefined ? syncMs : previous * 0.8 + syncMs * 0.2);
  }
}
