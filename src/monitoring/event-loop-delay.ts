import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

/**
 * How late this thread's event loop runs a timer, per period: a timer due every RESOLUTION ms
 * records by how much each run comes later than that. Not perf_hooks' monitorEventLoopDelay: it
 * records the whole interval between its runs (the interval itself read as delay on an idle
 * loop), and its reset forgets the interval under way, so a block that ended just before the
 * once-a-second reset was never counted.
 */
export class EventLoopDelay {
  private readonly histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 2 });
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  /**
   * The sampling interval. At 10 ms the timer alone was most of an idle master's CPU; 50 ms
   * still gives 20 samples a second. A JavaScript timer costs an idle master a little more than
   * perf_hooks' native one did: the price of not losing a block.
   */
  constructor(readonly resolutionMs = 50) {}

  enable(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const lateUs = Math.round((now - this.last - this.resolutionMs) * 1000);
      this.last = now;
      this.histogram.record(Math.max(lateUs, 1));
    }, this.resolutionMs);
    this.timer.unref();
  }

  disable(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The p99 delay in ms of the samples since the last call (0 without samples), and starts a new period. */
  takeP99Ms(): number {
    const us = this.histogram.count > 0 ? this.histogram.percentile(99) : 0;
    this.histogram.reset();
    return us <= 1 ? 0 : us / 1000;
  }
}
