import type { ServerResponse } from 'node:http';
import type { Cancellation } from '../dispatch/task';

/**
 * Tells a dispatcher when the client of a request goes away before its answer (the response
 * closes unfinished), so that a queued request never runs and a running handler's signal
 * aborts. It listens only once asked to: an inline handler that never reads its signal costs
 * no listener.
 */
export class ClientWatch implements Cancellation {
  onCancel: (() => void) | undefined = undefined;
  private watching = false;

  constructor(private readonly response: ServerResponse) {}

  watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.response.once('close', () => {
      if (!this.response.writableFinished) this.onCancel?.();
    });
  }
}
