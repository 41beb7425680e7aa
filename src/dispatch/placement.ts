/**
 * Where a handler runs: the one rule, for every thread that accepts connections (the ingress
 * threads; in single mode, the one thread there is).
 *
 * - single mode: on the one thread there is;
 * - `runOn: "master"`: on the master (the ingress thread hands it over);
 * - `runOn: "pool"`: on a pool thread, through the central queue;
 * - `runOn: "auto"` (default): inline on the ingress thread while the route costs less than
 *   `cheapRouteMs` of the thread's time per request, its continuations after awaits included
 *   (crossing threads would cost more than the handler), on a pool thread otherwise. A route
 *   not measured yet goes to a pool thread, where it is measured, so an unknown handler never
 *   blocks the connections an ingress thread holds.
 *
 * Costs are learned where handlers run: the synchronous run of every inline run here, the
 * whole cost on pool threads (each answer carries the route's current cost back), so a route
 * that turns cheap comes back inline. What an inline route's continuations cost cannot be told
 * apart on a thread that serves many requests at once, so while a pool thread is ready, one
 * request of each inline route every PROBE_EVERY_MS runs there instead, to check its whole
 * cost again: a route that became heavy after its awaits leaves the ingress thread. A route
 * whose handler once got stuck or crashed an ingress thread is pinned to the pool.
 *
 * What placement keeps per route (PlacedRoute) is found once, when the route is mounted, and
 * handed back with every request: a request looks nothing up by the route's key.
 */
import type { RouteDefinition } from '../api/route-registry';
import type { RunOn } from '../api/types';
import { type RouteCost, RouteCosts } from './route-costs';
import type { Dispatcher } from './task';

export type AcceptingRole = 'ingress' | 'single';

/** How often an inline route's whole cost is checked again on a pool thread. */
const PROBE_EVERY_MS = 5000;
/**
 * A route sent to the pool for its cost comes back inline only under this share of
 * cheapRouteMs: a cost that hovers at the threshold must not send it back and forth.
 */
const COME_BACK_BELOW = 0.75;
/** Requests of a route between two looks at the clock for its probe. */
const PROBE_CHECK_EVERY = 64;
export type Target = 'here' | 'pool' | 'master';

/** `away`: the route runs on the pool now for its cost (see COME_BACK_BELOW). */
export function placeRoute(
  runOn: RunOn | undefined,
  role: AcceptingRole,
  cost: number | undefined,
  cheapRouteMs: number,
  pinned = false,
  away = false,
): Target {
  if (role === 'single') return 'here';
  if (runOn === 'master') return 'master';
  if (runOn === 'pool' || pinned || cost === undefined) return 'pool';
  return cost < (away ? cheapRouteMs * COME_BACK_BELOW : cheapRouteMs) ? 'here' : 'pool';
}

/** What placement keeps per route. */
export class PlacedRoute {
  /** On the pool for its cost. */
  away = false;
  /** Inline requests since the clock was last looked at for a probe. */
  count = 0;
  pinned = false;

  constructor(
    readonly route: RouteDefinition,
    /** What the route costs, as this thread knows it (the same entry its inline runs record in). */
    readonly cost: RouteCost,
    /** When the last probe went. */
    public probedAt: number,
  ) {}
}

export interface PlacementTargets<H> {
  role: AcceptingRole;
  cheapRouteMs: number;
  /** Runs handlers on this thread (dispatch/inline-dispatcher.ts). */
  here: H;
  /**
   * What routes cost: the pool's measures (learn) and, on an ingress thread, the synchronous
   * runs its inline dispatcher times (given the same RouteCosts).
   */
  costs?: RouteCosts;
  /** The central queue of the pool threads, through the master (ingress threads only). */
  pool?: Dispatcher;
  /** The master (ingress threads only). */
  master?: Dispatcher;
  /** The clock of the probes (tests move it by hand). */
  now?: () => number;
}

export class Placement<H> {
  private readonly costs: RouteCosts;
  /** Pinned before the route was tracked (the master says so as a thread starts). */
  private readonly pinned = new Set<string>();
  private readonly states = new Map<string, PlacedRoute>();
  private probing = false;
  private readonly now: () => number;
  /** Where `here` routes run. */
  readonly here: H;

  constructor(private readonly targets: PlacementTargets<H>) {
    this.here = targets.here;
    this.now = targets.now ?? Date.now;
    this.costs = targets.costs ?? new RouteCosts();
  }

  /** What placement keeps for the route: asked once per route, when it is mounted. */
  track(route: RouteDefinition): PlacedRoute {
    let placed = this.states.get(route.key);
    if (placed === undefined) {
      placed = new PlacedRoute(route, this.costs.of(route.key), this.now());
      placed.pinned = this.pinned.has(route.key);
      this.states.set(route.key, placed);
    }
    return placed;
  }

  where(placed: PlacedRoute): Target {
    if (this.targets.role === 'single') return 'here';
    const target = placeRoute(placed.route.options.runOn, this.targets.role, placed.cost.expected(), this.targets.cheapRouteMs, placed.pinned, placed.away);
    placed.away = target === 'pool';
    return target === 'here' && this.probing && probeDue(placed, this.now) ? 'pool' : target;
  }

  /** Whether a pool thread is ready to check routes' costs (the master says when this changes). */
  canProbe(ready: boolean): void {
    this.probing = ready && this.targets.role === 'ingress';
  }

  /** The thread that runs a route placed away from here: the pool's, or the master. */
  away(target: 'pool' | 'master'): Dispatcher {
    // Roles are wired so that a target never lacks its dispatcher (start-server.ts, ingress-main.ts).
    return (target === 'pool' ? this.targets.pool : this.targets.master)!;
  }

  /** Never inline again: the route's handler got stuck or crashed a thread that accepts connections. */
  pin(routeKey: string): void {
    this.pinned.add(routeKey);
    const placed = this.states.get(routeKey);
    if (placed !== undefined) placed.pinned = true;
  }

  /**
   * A route's cost measured on the pool: its synchronous run, and the rest of its thread time.
   * For a route that runs here (the answer to a probe), only the rest: the synchronous run is
   * measured here, on every request.
   */
  learn(routeKey: string, syncMs: number, asyncMs: number): void {
    if (this.states.get(routeKey)?.away === false) this.costs.setAsync(routeKey, asyncMs);
    else this.costs.set(routeKey, syncMs, asyncMs);
  }
}

function probeDue(state: PlacedRoute, clock: () => number): boolean {
  if (++state.count < PROBE_CHECK_EVERY) return false;
  state.count = 0;
  const now = clock();
  if (now - state.probedAt < PROBE_EVERY_MS) return false;
  state.probedAt = now;
  return true;
}
