/**
 * The promise a start call returns (`gopool.startWithThreadsPool()`), kept in the realm so that
 * every copy of gopool loaded in it shares it, and settled by whichever entry starts the server.
 */
import { realm } from '../runtime/realm';

/** The promise of this realm's start call. */
export function startedPromise(): Promise<unknown> {
  return (realm().started ??= deferred()).promise;
}

/** Settles the start call of this realm with the running server. */
export function settleStart(server: unknown): void {
  (realm().started ??= deferred()).resolve(server);
}

function deferred(): { promise: Promise<unknown>; resolve: (value: unknown) => void } {
  let resolve!: (value: unknown) => void;
  const promise = new Promise<unknown>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
