import { type LatencyCounts, LatencyHistogram, microseconds } from './latency-histogram';
import { PROMETHEUS_SLOTS, prometheusBucketOf } from './prometheus-buckets';
import { statusClassOf } from './status-class';

/**
 * The requests of one route and method since the last take: counts by status class (index 1..5),
 * counts by Prometheus bucket, how many and their summed ms, and their durations (plain data:
 * it crosses to the master as it is).
 */
export type TallyEntry = [method: string, route: string, classes: number[], buckets: number[], count: number, sumMs: number, latencies: LatencyCounts];

/** An entry while it is counted: its histogram still recording. */
type Row = [method: string, route: string, classes: number[], buckets: number[], count: number, sumMs: number, latencies: LatencyHistogram];

/**
 * Request metrics counted where requests are answered off the master (ingress threads) and
 * sent to the master's Metrics every so often as one entry per route, instead of one message
 * per request. The master adds them to its own figures: nothing is lost in the merge.
 */
export class RequestTally {
  /** route → method → entry. Nested maps: no key string is built per request. */
  private rows = new Map<string, Map<string, Row>>();

  record(method: string, route: string, status: number, ms: number): void {
    let byMethod = this.rows.get(route);
    if (byMethod === undefined) this.rows.set(route, (byMethod = new Map()));
    let row = byMethod.get(method);
    if (row === undefined) {
      row = [method, route, [0, 0, 0, 0, 0, 0], new Array<number>(PROMETHEUS_SLOTS).fill(0), 0, 0, new LatencyHistogram()];
      byMethod.set(method, row);
    }
    row[2][statusClassOf(status)]! += 1;
    row[3][prometheusBucketOf(ms)]! += 1;
    row[4]++;
    row[5] += ms;
    row[6].record(microseconds(ms));
  }

  /** The entries counted since the last call; their histograms are never written again here. */
  take(): TallyEntry[] {
    // Maps are only ever made on the way to a new entry: a route present means entries to take.
    if (this.rows.size === 0) return [];
    const rows: TallyEntry[] = [];
    for (const byMethod of this.rows.values()) rows.push(...byMethod.values());
    this.rows = new Map();
    return rows;
  }
}
