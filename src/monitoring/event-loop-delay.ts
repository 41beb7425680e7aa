import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How late this thread's event loop runs a timer, per period. perf_hooks' monitor records the
 * whole interval between two runs of its timer, the sampling interval included, so an idle loop
 * reads the interval itself; the delay is what a sample exceeds it by.
 */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram;

  /**
   * The sampling interval: a timer that wakes the loop this often. At 10 ms that timer was most
   * of an idle master's CPU; 50 ms still gives 20 samples a second.
   */
  constructor(readonly resolutionMs = 50) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  enable(): void {
    this.histogram.enable();
  }

  disable(): void {
    this.histogram.disable();
  }

  /** The p99 delay in ms of the samples since the last call (0 without samples), and starts a new period. */
  takeP99Ms(): number {
    const sampledMs = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : this.resolutionMs;
    this.histogram.reset();
    return Math.max(0, sampledMs - this.resolutionMs);
  }
}
