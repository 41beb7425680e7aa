import type { FastifyReply } from 'fastify';
import type { Cancellation } from '../dispatch/task';
import { sendError } from './send-result';

/**
 * Tells a dispatcher when the client of a request goes away before its answer (the response
 * closes unfinished), so that a queued request never runs and a running handler's signal
 * aborts. It listens only once asked to: an inline handler that never reads its signal costs
 * no listener. `fail` answers the request with an error when its handler was interrupted.
 */
export class ClientWatch implements Cancellation {
  onCancel: (() => void) | undefined = undefined;
  private watching = false;

  constructor(readonly reply: FastifyReply) {}

  watch(): void {
    if (this.watching) return;
    this.watching = true;
    const response = this.reply.raw;
    response.once('close', () => {
      if (!response.writableFinished) this.onCancel?.();
    });
  }

  fail(err: Error): void {
    if (!this.reply.sent) sendError(this.reply, err);
  }
}
