import { BUCKETS, bucketOf } from './window-histogram';

/** [method, route, status, latency bucket, count, summed ms]: requests that share all four. */
export type TallyEntry = [method: string, route: string, status: number, bucket: number, count: number, sumMs: number];

/**
 * Request metrics counted where requests are answered off the master (ingress threads) and
 * sent to the master's Metrics every so often as a few aggregated rows, instead of one
 * message per request. Latencies are kept as the same buckets the master's histograms use,
 * so merging them loses nothing.
 */
export class RequestTally {
  /** route → method → (status × BUCKETS + bucket) → row. Nested maps: no key string is built per request. */
  private rows = new Map<string, Map<string, Map<number, TallyEntry>>>();

  record(method: string, route: string, status: number, ms: number): void {
    const bucket = bucketOf(ms);
    let byMethod = this.rows.get(route);
    if (byMethod === undefined) this.rows.set(route, (byMethod = new Map()));
    let byCode = byMethod.get(method);
    if (byCode === undefined) byMethod.set(method, (byCode = new Map()));
    const code = status * BUCKETS + bucket;
    const row = byCode.get(code);
    if (row === undefined) {
      byCode.set(code, [method, route, status, bucket, 1, ms]);
      return;
    }
    row[4]++;
    row[5] += ms;
  }

  /** The rows counted since the last call. */
  take(): TallyEntry[] {
    // Maps are only ever made on the way to a new row: a route present means rows to take.
    if (this.rows.size === 0) return [];
    const rows: TallyEntry[] = [];
    for (const byMethod of this.rows.values()) {
      for (const byCode of byMethod.values()) rows.push(...byCode.values());
    }
    this.rows = new Map();
    return rows;
  }
}
