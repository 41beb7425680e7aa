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
