/**
 * What `onThreadStart` and `onThreadStop` are given: with `share(budget)`, each thread's part
 * of a per-process budget (database connections), so that the parts of every thread that may
 * run handlers at once add up to at most the budget, whatever the thread counts.
 */
import type { RouteDefinition } from '../api/route-registry';
import type { GopoolContext, ThreadLifecycleArgs } from '../api/types';
import type { GopoolOptions } from '../config/options';
import { ERR_SHARE_BUDGET } from '../errors';

type ThreadCounts = Pick<GopoolOptions, 'ingressThreads' | 'cpus' | 'maxThreads'>;

/** Ingress threads at most: more than the CPUs could only share the same cores; one always accepts. */
export function ingressThreadsMax(options: Pick<GopoolOptions, 'ingressThreads' | 'cpus'>): number {
  return Math.max(1, Math.min(options.ingressThreads, options.cpus));
}

/**
 * The most threads that may run handlers at once in pool mode: every ingress thread (they run
 * cheap routes inline), every pool thread (when a route may run there), and the master when a
 * route runs on it. Counted from the maxima, not from the threads running now: a thread's share
 * is fixed when it starts, and others may start after it.
 */
export function handlerThreadCount(options: ThreadCounts, routes: readonly RouteDefinition[]): number {
  const pool = routes.some((route) => route.options.runOn !== 'master') ? options.maxThreads : 0;
  const master = routes.some((route) => route.options.runOn === 'master') ? 1 : 0;
  return ingressThreadsMax(options) + pool + master;
}

/** One thread's share of `budget` among `threads`: rounded down, at least 1. */
export function shareOf(budget: number, threads: number): number {
  if (!Number.isInteger(budget) || budget < 1) throw new ERR_SHARE_BUDGET(String(budget));
  return Math.max(1, Math.floor(budget / threads));
}

export function lifecycleArgs(ctx: GopoolContext, role: ThreadLifecycleArgs['role'], cpus: number, handlerThreads: number): ThreadLifecycleArgs {
  return { ctx, role, cpus, handlerThreads, share: (budget: number) => shareOf(budget, handlerThreads) };
}
