import { type LatencyCounts, LatencyHistogram, microseconds } from './latency-histogram';

/**
 * Latency percentiles over a sliding window of about a minute: SLOTS slots of SLOT_MS, each a
 * histogram of microseconds (latency-histogram.ts). A slot older than the window is reset when
 * time comes round to it again.
 */
const SLOT_MS = 10_000;
const SLOTS = 6;

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class WindowHistogram {
  private readonly slots: Array<LatencyHistogram | undefined> = new Array<LatencyHistogram | undefined>(SLOTS).fill(undefined);
  private readonly slotEpoch = new Float64Array(SLOTS).fill(-1);

  record(ms: number, now = Date.now()): void {
    this.slotAt(now).record(microseconds(ms));
  }

  /** Durations recorded elsewhere (an ingress thread's tally), counted at `now`. */
  add(histogram: LatencyCounts, now = Date.now()): void {
    this.slotAt(now).add(histogram);
  }

  /** Created on first use: a route's window costs nothing until it is requested. */
  private slotAt(now: number): LatencyHistogram {
    const epoch = Math.floor(now / SLOT_MS);
    const index = epoch % SLOTS;
    let slot = this.slots[index];
    if (slot === undefined) this.slots[index] = slot = new LatencyHistogram();
    if (this.slotEpoch[index] !== epoch) {
      slot.reset();
      this.slotEpoch[index] = epoch;
    }
    return slot;
  }

  /** Adds this window's live slots into `into` (for percentiles over several histograms). */
  mergeInto(into: LatencyHistogram, now: number): void {
    const epoch = Math.floor(now / SLOT_MS);
    for (let s = 0; s < SLOTS; s++) {
      const slot = this.slots[s];
      if (slot !== undefined && this.slotEpoch[s]! > epoch - SLOTS) into.add(slot);
    }
  }

  /** Percentiles of what was recorded in the last SLOTS × SLOT_MS (about a minute). */
  percentiles(now = Date.now()): Percentiles {
    return WindowHistogram.percentilesOf([this], now);
  }

  /** Percentiles over several histograms' windows together. */
  static percentilesOf(histograms: Iterable<WindowHistogram>, now = Date.now()): Percentiles {
    const merged = new LatencyHistogram();
    for (const h of histograms) h.mergeInto(merged, now);
    return percentilesOf(merged);
  }
}

/** Percentiles in ms. */
export function percentilesOf(h: LatencyHistogram): Percentiles {
  const count = h.count;
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return { count, p50: h.percentile(50) / 1000, p90: h.percentile(90) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 };
}
