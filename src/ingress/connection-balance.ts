/**
 * Kept-alive connections spread evenly over the ingress threads. Each thread has its own
 * descriptor of the one listening socket, and the kernel wakes whichever thread waits first:
 * a burst of new connections (a load balancer's pool, a benchmark tool's, clients after a
 * restart) lands mostly on one thread, which then serves most of the traffic on one core
 * while the others idle, for as long as the connections live. A node cluster does not see
 * this: its primary accepts and deals connections round-robin. Here each thread writes how
 * many connections it keeps into a slot the master reads (a SharedArrayBuffer: no message per
 * connection); on its load check the master asks a thread holding more than its share to let
 * the excess go (`Connection: close` on their next response, shed-connections.ts), and their
 * clients reconnect to a thread that has time to accept them.
 */

/** How far above its share a thread may be before it sheds: a few connections, or a tenth of the share. */
const SLACK_SHARE = 0.1;
const SLACK_MIN = 2;
/** A thread whose event loop was busier than this cannot take more: nobody sheds towards it. */
const CAN_TAKE_BELOW = 0.9;
/**
 * How often one thread may be asked: its clients reconnect within milliseconds, and if the
 * kernel gave most of them to the same thread again, it sheds again on a later check, not in
 * a loop.
 */
export const SHED_AT_MOST_EVERY_MS = 1000;

export function connectionCountBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** The thread's side: the connections it keeps (open and not asked to close), written on every change. */
export class ConnectionCount {
  private readonly slot: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.slot = new Int32Array(buffer);
  }

  set(kept: number): void {
    Atomics.store(this.slot, 0, kept);
  }
}

/** The master's side: what a thread last wrote. */
export function keptConnections(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer), 0);
}

export interface AcceptingThreadLoad {
  /** Connections it keeps. */
  connections: number;
  /** Its event loop's utilization since the last check (0..1). */
  utilization: number;
}

/**
 * How many connections each thread should let go (0 for most): those of a thread above its
 * share (the total over the threads, rounded up) by more than the slack, down to that share,
 * and only while some thread below its share has the time to accept them (else the clients
 * would only reconnect to the same busy thread).
 */
export function connectionsToShed(threads: readonly AcceptingThreadLoad[]): number[] {
  const none = threads.map(() => 0);
  if (threads.length < 2) return none;
  const total = threads.reduce((sum, t) => sum + t.connections, 0);
  const share = Math.ceil(total / threads.length);
  if (!threads.some((t) => t.connections < share && t.utilization < CAN_TAKE_BELOW)) return none;
  const slack = Math.max(SLACK_MIN, Math.ceil(share * SLACK_SHARE));
  return threads.map((t) => (t.connections > share + slack ? t.connections - share : 0));
}
