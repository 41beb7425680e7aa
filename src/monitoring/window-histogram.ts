import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * Latency percentiles over a sliding window of about a minute: SLOTS slots of SLOT_MS, each a
 * perf_hooks histogram (HdrHistogram) of microseconds. A slot older than the window is reset when
 * time comes round to it again.
 */
const SLOT_MS = 10_000;
const SLOTS = 6;
/** 100 s: a longer duration is counted as this. */
const HIGHEST_US = 100_000_000;
/** One significant figure: each value is kept within 1/16 of itself, in a few KB per histogram. */
const FIGURES = 1;

/** A histogram of microseconds, as every latency histogram here is. */
export function latencyHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: HIGHEST_US, figures: FIGURES });
}

/** A duration in ms as the integer microseconds a latency histogram records (1 µs to 100 s). */
export function microseconds(ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 1)) return 1;
  return Math.min(us, HIGHEST_US);
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class WindowHistogram {
  private readonly slots: Array<RecordableHistogram | undefined> = new Array<RecordableHistogram | undefined>(SLOTS).fill(undefined);
  private readonly slotEpoch = new Float64Array(SLOTS).fill(-1);

  record(ms: number, now = Date.now()): void {
    this.slotAt(now).record(microseconds(ms));
  }

  /** Durations recorded elsewhere (an ingress thread's tally), counted at `now`. */
  add(histogram: RecordableHistogram, now = Date.now()): void {
    this.slotAt(now).add(histogram);
  }

  /** Created on first use: a route's window costs nothing until it is requested. */
  private slotAt(now: number): RecordableHistogram {
    const epoch = Math.floor(now / SLOT_MS);
    const index = epoch % SLOTS;
    let slot = this.slots[index];
    if (slot === undefined) this.slots[index] = slot = latencyHistogram();
    if (this.slotEpoch[index] !== epoch) {
      slot.reset();
      this.slotEpoch[index] = epoch;
    }
    return slot;
  }

  /** Adds this window's live slots into `into` (for percentiles over several histograms). */
  mergeInto(into: RecordableHistogram, now: number): void {
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
    const merged = latencyHistogram();
    for (const h of histograms) h.mergeInto(merged, now);
    return percentilesOf(merged);
  }
}

/** Percentiles in ms. */
export function percentilesOf(h: RecordableHistogram): Percentiles {
  const count = h.count;
  if (count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return { count, p50: h.percentile(50) / 1000, p90: h.percentile(90) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 };
}
