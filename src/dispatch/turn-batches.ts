/**
 * Entries collected per destination during one turn of the event loop and handed to `send`
 * once per destination at its end (setImmediate runs after the poll phase, so everything
 * read from the sockets this turn travels together). A batched entry costs the sender a
 * fraction of a postMessage of its own (bench/dispatch-overhead.mjs measures both).
 */
export class TurnBatches<K, E> {
  private batches = new Map<K, E[]>();
  private scheduled = false;

  constructor(private readonly send: (destination: K, batch: E[]) => void) {}

  add(destination: K, entry: E): void {
    const batch = this.batches.get(destination);
    if (batch === undefined) this.batches.set(destination, [entry]);
    else batch.push(entry);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Sends what is collected for one destination now, instead of at the end of the turn: for
   * a destination that can take nothing more this turn, waiting only adds latency.
   */
  sendNow(destination: K): void {
    const batch = this.batches.get(destination);
    if (batch === undefined) return;
    this.batches.delete(destination);
    this.send(destination, batch);
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    for (const [destination, batch] of batches) this.send(destination, batch);
  }
}
