// Counted by hand: prom-client's Histogram.observe costs the request path several times this (bench/metrics-overhead.mjs); prom-client writes the text (prometheus.ts).

/** Bucket bounds of the Prometheus histograms, in ms (the exposition says seconds). */
export const PROMETHEUS_BOUNDS_MS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
export const PROMETHEUS_BOUNDS_S: readonly number[] = PROMETHEUS_BOUNDS_MS.map((ms) => ms / 1000);
/** Buckets counted: one per bound, and the last for values beyond every bound (+Inf). */
export const PROMETHEUS_SLOTS = PROMETHEUS_BOUNDS_MS.length + 1;

/**
 * The bucket of a duration. Prometheus buckets are upper-inclusive: a value lands in the
 * smallest bucket whose bound is at least the value.
 */
export function prometheusBucketOf(ms: number): number {
  let i = 0;
  while (i < PROMETHEUS_BOUNDS_MS.length && ms > PROMETHEUS_BOUNDS_MS[i]!) i++;
  return i;
}

/** Counts per bucket (not cumulative), their sum and count, since the process started. */
export class PrometheusBuckets {
  readonly counts = new Float64Array(PROMETHEUS_SLOTS);
  /** Seconds. */
  sum = 0;
  count = 0;

  record(ms: number): void {
    this.counts[prometheusBucketOf(ms)]! += 1;
    this.sum += ms / 1000;
    this.count++;
  }

  /** Counts per bucket taken elsewhere (an ingress thread's tally), whose durations sum to `sumMs`. */
  add(counts: ArrayLike<number>, count: number, sumMs: number): void {
    for (let i = 0; i < PROMETHEUS_SLOTS; i++) this.counts[i]! += counts[i] ?? 0;
    this.sum += sumMs / 1000;
    this.count += count;
  }

  /** Cumulative counts per bound, as the exposition wants them: [le, count] pairs, +Inf last. */
  cumulative(): Array<[le: number, count: number]> {
    const out: Array<[number, number]> = [];
    let seen = 0;
    for (let i = 0; i < PROMETHEUS_BOUNDS_S.length; i++) {
      seen += this.counts[i]!;
      out.push([PROMETHEUS_BOUNDS_S[i]!, seen]);
    }
    out.push([Infinity, this.count]);
    return out;
  }
}
