/**
 * Where a handler runs: the one rule, for every thread that accepts connections.
 *
 * - single mode: on the one thread there is;
 * - `runOn: "master"`: on the master (an ingress thread hands it over);
 * - `runOn: "pool"`: on a worker thread, through the central queue;
 * - `runOn: "auto"` (default):
 *   - on the master, always a worker thread: a handler's bug (an endless loop, a throw in a
 *     timer) may cost a worker thread, never the master;
 *   - on an ingress thread, inline while the route costs less than `cheapRouteMs` of the
 *     thread's time per request, its continuations after awaits included (crossing threads
 *     would cost more than the handler), on a worker thread otherwise. A route not measured yet goes to a worker thread, where it is
 *     measured, so an unknown handler never blocks the connections an ingress thread holds.
 *
 * Costs are learned where handlers run: inline runs here, pool runs in the pool (each answer
 * carries the route's current cost back), so a route that turns cheap comes back inline. A
 * route whose handler once got stuck or crashed an ingress thread is pinned to the pool.
 */
import type { RouteDefinition } from '../api/route-registry';
import type { RunOn } from '../api/types';
import { RouteCosts } from './pool/route-costs';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from './task';

export type AcceptingRole = 'master' | 'ingress' | 'single';
export type Target = 'here' | 'pool' | 'master';

export function placeRoute(runOn: RunOn | undefined, role: AcceptingRole, cost: number | undefined, cheapRouteMs: number, pinned = false): Target {
  if (role === 'single') return 'here';
  if (runOn === 'master') return role === 'master' ? 'here' : 'master';
  if (runOn === 'pool' || role === 'master' || pinned) return 'pool';
  return cost !== undefined && cost < cheapRouteMs ? 'here' : 'pool';
}

export interface PlacementTargets {
  role: AcceptingRole;
  cheapRouteMs: number;
  /** Runs handlers on this thread. Its measurements feed the costs. */
  here: Dispatcher & { onSyncTime: ((routeKey: string, ms: number) => void) | undefined; onAsyncTime: ((routeKey: string, ms: number) => void) | undefined };
  /** The central queue (on the master: the pool itself; on an ingress thread: through the master). */
  pool?: Dispatcher;
  /** The master (ingress threads only). */
  master?: Dispatcher;
}

export class Placement {
  private readonly costs = new RouteCosts();
  private readonly pinned = new Set<string>();

  constructor(private readonly targets: PlacementTargets) {
    targets.here.onSyncTime = (routeKey, ms) => this.costs.record(routeKey, ms);
    // Only where the cost decides placement (ingress threads) is it worth sampling continuations.
    if (targets.role === 'ingress') targets.here.onAsyncTime = (routeKey, ms) => this.costs.recordAsync(routeKey, ms);
  }

  where(route: RouteDefinition): Target {
    return placeRoute(
      route.options.runOn,
      this.targets.role,
      this.costs.expected(route.key),
      this.targets.cheapRouteMs,
      this.pinned.size > 0 && this.pinned.has(route.key),
    );
  }

  run(route: RouteDefinition, request: TaskRequest, timeout: number, cancel?: Cancellation): TaskResult | Promise<TaskResult> {
    const target = this.where(route);
    const dispatcher = target === 'here' ? this.targets.here : target === 'pool' ? this.targets.pool : this.targets.master;
    // Roles are wired so that a target never lacks its dispatcher (serve.ts, ingress-main.ts).
    return dispatcher!.run(route.key, request, timeout, cancel);
  }

  /** Never inline again: the route's handler got stuck or crashed a thread that accepts connections. */
  pin(routeKey: string): void {
    this.pinned.add(routeKey);
  }

  /** A route's cost measured where it ran away from here (the pool). */
  learn(routeKey: string, costMs: number): void {
    this.costs.set(routeKey, costMs);
  }
}
