import { bucketOf } from './window-histogram';

/** [method, route, status, latency bucket, count, summed ms]: requests that share all four. */
export type TallyEntry = [method: string, route: string, status: number, bucket: number, count: number, sumMs: number];

/**
 * Request metrics counted where requests are answered off the master (ingress threads) and
 * sent to the master's Metrics every so often as a few aggregated rows, instead of one
 * message per request. Latencies are kept as the same buckets the master's histograms use,
 * so merging them loses nothing.
 */
export class RequestTally {
  private rows = new Map<string, TallyEntry>();

  record(method: string, route: string, status: number, ms: number): void {
    const bucket = bucketOf(ms);
    const key = `${method} ${route} ${status} ${bucket}`;
    const row = this.rows.get(key);
    if (row === undefined) {
      this.rows.set(key, [method, route, status, bucket, 1, ms]);
      return;
    }
    row[4]++;
    row[5] += ms;
  }

  /** The rows counted since the last call. */
  take(): TallyEntry[] {
    if (this.rows.size === 0) return [];
    const rows = [...this.rows.values()];
    this.rows = new Map();
    return rows;
  }
}
