import type { InlineDispatcher } from './inline-dispatcher';
import { RouteCosts } from './pool/route-costs';
import type { Dispatcher, TaskRequest, TaskResult } from './task';

/**
 * Runs a route where it is cheapest: inline on this thread while its handler's measured
 * synchronous time stays under `inlineBelowMs`, otherwise elsewhere (the master's central
 * queue). Inline, a hello costs no thread crossing at all; a CPU-heavy handler would block
 * every other connection this thread accepted, so it goes where the queue keeps it fair.
 *
 * An unmeasured route runs inline once to be measured. A route sent away keeps being
 * measured where it runs, and the answer carries that cost back (`learn`), so a route that
 * becomes cheap comes back.
 */
export class AdaptiveDispatcher implements Dispatcher {
  private readonly costs = new RouteCosts(0);

  constructor(private readonly inline: InlineDispatcher, private readonly away: Dispatcher, private readonly inlineBelowMs: number) {
    inline.onSyncTime = (routeKey, ms) => this.costs.record(routeKey, ms);
  }

  run(routeKey: string, request: TaskRequest, timeout: number): TaskResult | Promise<TaskResult> {
    if (this.costs.expected(routeKey) < this.inlineBelowMs) return this.inline.run(routeKey, request, timeout);
    return this.away.run(routeKey, request, timeout);
  }

  /** What the route costs where it ran away from here. */
  learn(routeKey: string, costMs: number): void {
    this.costs.set(routeKey, costMs);
  }

  /** Is the route currently run here? For tests and monitoring. */
  runsInline(routeKey: string): boolean {
    return this.costs.expected(routeKey) < this.inlineBelowMs;
  }
}
