import { PrometheusBuckets } from './prometheus-buckets';
import type { TallyEntry } from './request-tally';
import { statusClassOf } from './status-class';
import { type Percentiles, WindowHistogram } from './window-histogram';

/** Per route: requests by status class, latency over the window and since start. */
export class RouteMetrics {
  readonly statusClasses = new Float64Array(6); // index 1..5 for 1xx..5xx
  readonly window = new WindowHistogram();
  readonly buckets = new PrometheusBuckets();
  /** Requests per second over the last few seconds, from the per-second counts below. */
  private readonly perSecond = new Float64Array(RATE_SECONDS + 1);
  private readonly secondEpoch = new Float64Array(RATE_SECONDS + 1).fill(-1);

  constructor(
    readonly method: string,
    readonly route: string,
  ) {}

  record(status: number, ms: number, now: number): void {
    this.statusClasses[statusClassOf(status)]! += 1;
    this.window.record(ms, now);
    this.buckets.record(ms);
    this.countRequests(1, now);
  }

  /** What an ingress thread counted for this route. */
  recordTally(entry: TallyEntry, now: number): void {
    const [, , classes, buckets, count, sumMs, latencies] = entry;
    for (let cls = 1; cls <= 5; cls++) this.statusClasses[cls]! += classes[cls] ?? 0;
    this.window.add(latencies, now);
    this.buckets.add(buckets, count, sumMs);
    this.countRequests(count, now);
  }

  private countRequests(count: number, now: number): void {
    const second = (now / 1000) | 0;
    const i = second % this.perSecond.length;
    if (this.secondEpoch[i] !== second) {
      this.perSecond[i] = 0;
      this.secondEpoch[i] = second;
    }
    this.perSecond[i]! += count;
  }

  /** Average requests/s over the last RATE_SECONDS complete seconds. */
  rate(now: number): number {
    const current = (now / 1000) | 0;
    let total = 0;
    for (let i = 0; i < this.perSecond.length; i++) {
      const age = current - this.secondEpoch[i]!;
      if (age >= 1 && age <= RATE_SECONDS) total += this.perSecond[i]!;
    }
    return total / RATE_SECONDS;
  }

  snapshot(now: number): RouteSnapshot {
    return {
      method: this.method,
      route: this.route,
      count: this.buckets.count,
      rps: this.rate(now),
      status: {
        '2xx': this.statusClasses[2]!,
        '3xx': this.statusClasses[3]!,
        '4xx': this.statusClasses[4]!,
        '5xx': this.statusClasses[5]!,
        '1xx': this.statusClasses[1]!,
      },
      latencyMs: this.window.percentiles(now),
    };
  }
}

export const RATE_SECONDS = 5;

export interface RouteSnapshot {
  method: string;
  route: string;
  count: number;
  rps: number;
  status: Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>;
  latencyMs: Percentiles;
}
