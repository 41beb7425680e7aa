import type { ResourceLimits } from 'node:worker_threads';

/**
 * V8 limits for every thread gopool starts. The young generation matters most: V8 grows each
 * isolate's nursery up to tens of MB under allocation-heavy load such as HTTP serving, and a
 * process with several threads pays that per thread. A few MB keep scavenges cheap (HTTP
 * garbage dies young) and, measured here, cost no throughput (README, memory benchmark).
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
