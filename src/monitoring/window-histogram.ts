/**
 * Latency percentiles over a sliding window, cheap enough for the request path: recording is
 * one logarithm and one array increment. Buckets grow by 10% from 10 µs to about 100 s, so a
 * percentile is exact to within 10%. The window is SLOTS slots of SLOT_MS; a slot older than
 * the window is cleared when time reaches it again.
 */
const MIN_MS = 0.01;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
export const BUCKETS = Math.ceil(Math.log(100_000 / MIN_MS) / LOG_GROWTH) + 1;
const SLOT_MS = 10_000;
const SLOTS = 6;

/** The upper bound of bucket i, in ms. */
function upperBound(i: number): number {
  return MIN_MS * GROWTH ** i;
}

/** The bucket of a duration; computed once per measurement and shared by both histograms. */
export function bucketOf(ms: number): number {
  if (ms <= MIN_MS) return 0;
  const i = Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH);
  return i < BUCKETS ? i : BUCKETS - 1;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class WindowHistogram {
  private readonly slots = Array.from({ length: SLOTS }, () => new Uint32Array(BUCKETS));
  private readonly slotEpoch = new Float64Array(SLOTS).fill(-1);

  record(ms: number, now = Date.now()): void {
    this.recordBucket(bucketOf(ms), now);
  }

  recordBucket(bucket: number, now: number, count = 1): void {
    const epoch = Math.floor(now / SLOT_MS);
    const index = epoch % SLOTS;
    if (this.slotEpoch[index] !== epoch) {
      this.slots[index]!.fill(0);
      this.slotEpoch[index] = epoch;
    }
    this.slots[index]![bucket]! += count;
  }

  /** Adds this window's live counts into `into` (for percentiles over several histograms). */
  mergeInto(into: Float64Array, now: number): void {
    const epoch = Math.floor(now / SLOT_MS);
    for (let s = 0; s < SLOTS; s++) {
      if (this.slotEpoch[s]! <= epoch - SLOTS) continue;
      const slot = this.slots[s]!;
      for (let i = 0; i < BUCKETS; i++) into[i]! += slot[i]!;
    }
  }

  /** Percentiles of what was recorded in the last SLOTS × SLOT_MS (about a minute). */
  percentiles(now = Date.now()): Percentiles {
    const merged = new Float64Array(BUCKETS);
    this.mergeInto(merged, now);
    return percentilesOf(merged);
  }

  /** Percentiles over several histograms' windows together. */
  static percentilesOf(histograms: Iterable<WindowHistogram>, now = Date.now()): Percentiles {
    const merged = new Float64Array(BUCKETS);
    for (const h of histograms) h.mergeInto(merged, now);
    return percentilesOf(merged);
  }
}

function percentilesOf(merged: Float64Array): Percentiles {
    let count = 0;
    for (let i = 0; i < BUCKETS; i++) count += merged[i]!;
    if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const at = (q: number): number => {
      const rank = Math.ceil(q * count);
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += merged[i]!;
        if (seen >= rank) return upperBound(i);
      }
      return upperBound(BUCKETS - 1);
    };
    let top = BUCKETS - 1;
    while (top > 0 && merged[top] === 0) top--;
    return { count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: upperBound(top) };
}

/** Prometheus-style cumulative buckets (seconds), kept for the process lifetime. */
export const PROMETHEUS_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus bucket of each fine bucket. A fine bucket straddling a Prometheus bound
 * counts in the larger one: Prometheus buckets are then exact to the fine buckets' 10%.
 */
const PROMETHEUS_OF_BUCKET = Uint8Array.from({ length: BUCKETS }, (_, i) => {
  const s = upperBound(i) / 1000;
  let j = 0;
  while (j < PROMETHEUS_BUCKETS_S.length && s > PROMETHEUS_BUCKETS_S[j]! * GROWTH) j++;
  return j;
});

export class CumulativeHistogram {
  readonly counts = new Float64Array(PROMETHEUS_BUCKETS_S.length + 1);
  sum = 0;
  count = 0;

  record(ms: number): void {
    this.recordBucket(bucketOf(ms), ms);
  }

  /** `count` measurements in one bucket whose durations sum to `ms`. */
  recordBucket(bucket: number, ms: number, count = 1): void {
    this.counts[PROMETHEUS_OF_BUCKET[bucket]!]! += count;
    this.sum += ms / 1000;
    this.count += count;
  }
}
