import type { Server } from 'node:http';
import { BroadcastChannel } from 'node:worker_threads';

/**
 * Slow clients dropped by the server timeouts (ingress/server-timeouts.ts), counted for the
 * master's metrics wherever the connection was accepted: the master or an ingress thread.
 * Threads of one process reach each other through a BroadcastChannel by name, with no wiring
 * through the thread protocol; it carries one message per dropped client, a rare event.
 */
const CHANNEL = 'gopool:request-timeouts';

/** Reports each request that Node drops for its headers or body arriving too slowly. */
export function reportRequestTimeouts(server: Server): void {
  let channel: BroadcastChannel | undefined;
  // fastify's own clientError listener answers 408 and closes the socket; this one only counts.
  server.on('clientError', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return;
    if (channel === undefined) {
      channel = new BroadcastChannel(CHANNEL);
      channel.unref();
    }
    channel.postMessage(1);
  });
}

/** The master's count of the reports above, from every thread of the process. */
export class RequestTimeoutCount {
  count = 0;
  private channel: BroadcastChannel | undefined;

  start(): void {
    this.channel = new BroadcastChannel(CHANNEL);
    this.channel.unref();
    this.channel.onmessage = (event) => {
      this.count += Number((event as { data?: unknown }).data) || 0;
    };
  }

  stop(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
