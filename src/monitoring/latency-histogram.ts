// Hand-written: perf_hooks' histogram cost each request a call into C++ and its argument checks (bench/instructions.mjs).
/**
 * Durations in microseconds, 1 µs to 100 s, each counted within 1/32 of itself: log-linear
 * buckets, 16 to every power of two (values under 16 µs exactly), as HdrHistogram does with one
 * significant figure. A record is a few arithmetic operations and an array increment, on the
 * request path of every thread that counts answers. Plain data: posted to another thread, what
 * arrives is a LatencyCounts that `add` takes as it is.
 */
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** 100 s: a longer duration is counted as this. */
export const HIGHEST_US = 100_000_000;
const BUCKETS = bucketOf(HIGHEST_US) + 1;

export interface LatencyCounts {
  counts: Uint32Array;
  count: number;
  max: number;
}

export class LatencyHistogram implements LatencyCounts {
  counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  /** `us`: an integer from 1 to HIGHEST_US (microseconds() makes one). */
  record(us: number): void {
    this.counts[bucketOf(us)]!++;
    this.count++;
    if (us > this.max) this.max = us;
  }

  /** Counts made elsewhere (another histogram, or one that crossed from another thread). */
  add(other: LatencyCounts): void {
    if (other.count === 0) return;
    const counts = other.counts;
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += counts[i]!;
    this.count += other.count;
    if (other.max > this.max) this.max = other.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }

  /** The value at or under which `p` percent of the durations are (the middle of its bucket); 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(middleOf(i), this.max);
    }
    return this.max;
  }
}

/** A duration in ms as the integer microseconds a latency histogram records (1 µs to 100 s). */
export function microseconds(ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 1)) return 1;
  return Math.min(us, HIGHEST_US);
}

function bucketOf(us: number): number {
  if (us < SUB) return us;
  const exponent = 31 - Math.clz32(us);
  return ((exponent - SUB_BITS + 1) << SUB_BITS) + ((us >>> (exponent - SUB_BITS)) - SUB);
}

function middleOf(bucket: number): number {
  if (bucket < SUB) return bucket;
  const shift = (bucket >>> SUB_BITS) - 1;
  const low = (SUB + (bucket & (SUB - 1))) << shift;
  return low + ((1 << shift) - 1) / 2;
}
