import type { ResourceLimits } from 'node:worker_threads';

/**
 * V8 limits for every thread gopool starts, when the user sets them. V8 grows each isolate's
 * nursery to tens of MB under allocation-heavy load such as HTTP serving, a process with
 * several threads paying it per thread; capped below that, a route that builds large JSON
 * answers scavenges more often and copies what is still in flight each time, on its own thread
 * and V8's helper threads (bench/README.md, "A realistic API"). So by default each thread has
 * V8's own nursery, as a node cluster worker has; `youngGenerationMb` caps it.
 */
export function threadResourceLimits(maxThreadMemory: number, youngGenerationMb: number): { resourceLimits?: ResourceLimits } {
  const limits: ResourceLimits = {};
  if (maxThreadMemory > 0) limits.maxOldGenerationSizeMb = maxThreadMemory;
  if (youngGenerationMb > 0) limits.maxYoungGenerationSizeMb = youngGenerationMb;
  return Object.keys(limits).length > 0 ? { resourceLimits: limits } : {};
}

/**
 * The same nursery cap for the master process's main thread, as a V8 flag for the daemon to
 * fork it with (a main thread takes no resourceLimits). V8's young generation is three
 * semi-spaces, so the flag gets a third of `youngGenerationMb`. Left alone when the user chose
 * a semi-space size of their own, on the command line or in NODE_OPTIONS.
 */
export function masterExecArgv(execArgv: string[], youngGenerationMb: number, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const chosen = [...execArgv, nodeOptions].some((flag) => /--max[-_]semi[-_]space[-_]size/.test(flag));
  if (youngGenerationMb <= 0 || chosen) return execArgv;
  return [...execArgv, `--max-semi-space-size=${Math.max(1, Math.round(youngGenerationMb / 3))}`];
}
