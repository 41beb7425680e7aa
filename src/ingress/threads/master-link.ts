/**
 * The ingress thread's end of its MessagePort: hands requests to the master and matches the
 * answers. Dispatches are batched, one message per event-loop turn, like the pool's tasks.
 */
import type { MessagePort } from 'node:worker_threads';
import { dropStream, streamTransfers } from '../../dispatch/stream-port';
import type { Cancellation, Dispatcher, TaskRequest, TaskResult } from '../../dispatch/task';
import { TurnBatches } from '../../dispatch/turn-batches';
import { ERR_CLIENT_GONE, ERR_REQUEST_NOT_CLONEABLE, rebuildError } from '../../errors';
import {
  type DispatchEntry,
  FromIngress,
  type InjectRequest,
  type InjectResponse,
  type MessageFromIngress,
  type MessageToIngress,
  ToIngress,
} from './protocol';

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

/** What the master tells an ingress thread besides the answers to its requests (ingress-main.ts acts on it). */
export interface MasterSays {
  /** The pool's measured cost of a route (its synchronous run, the rest), from every answer. */
  cost(routeKey: string, syncMs: number, asyncMs: number): void;
  /** The pool gained its first ready thread, or lost its last. */
  poolReady(ready: boolean): void;
  /** Ask `count` kept-alive connections to reconnect (this thread holds more than its share), or all (-1: another thread started). */
  shed(count: number): void;
  /** Drain and stop; it may come before the thread listens. */
  drain(graceMs: number): void;
  /** The master cut this thread's stuck handler short. */
  interrupted(): void;
  /** Never run this route inline again. */
  pin(routeKey: string): void;
}

export class MasterLink {
  private nextId = 1;
  private readonly dispatched = new Map<number, Pending<TaskResult> & { routeKey: string }>();
  private readonly injected = new Map<number, Pending<InjectResponse>>();
  /** One destination: the master. */
  private readonly outbox = new TurnBatches<'master', DispatchEntry>((_, batch) => this.sendBatch(batch));
  constructor(
    private readonly port: MessagePort,
    private readonly told: MasterSays,
  ) {
    port.on('message', (message: MessageToIngress) => this.onMessage(message));
  }

  post(message: MessageFromIngress, transfer?: MessagePort[]): void {
    this.port.postMessage(message, transfer);
  }

  /** Done: the thread exits once its event loop has nothing left to do. */
  close(): void {
    this.port.close();
  }

  /** A dispatcher that runs routes on the master's pool, or on the master itself. */
  to(target: 'pool' | 'master'): Dispatcher {
    return { run: (routeKey, request, timeout, cancel) => this.dispatch(routeKey, request, timeout, target, cancel) };
  }

  private dispatch(routeKey: string, request: TaskRequest, timeout: number, target: 'pool' | 'master', cancel?: Cancellation): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.dispatched.set(id, { resolve, reject, routeKey });
      this.outbox.add('master', [id, routeKey, request, timeout, target]);
      if (cancel) {
        cancel.onCancel = () => {
          if (this.dispatched.has(id)) this.post([FromIngress.Cancel, id]);
        };
        cancel.watch();
      }
    });
  }

  inject(request: InjectRequest): Promise<InjectResponse> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.injected.set(id, { resolve, reject });
      this.post([FromIngress.Inject, id, request]);
    });
  }

  private sendBatch(batch: DispatchEntry[]): void {
    try {
      this.post([FromIngress.Dispatch, batch], streamTransfers(batch, 2));
    } catch {
      // Only a request that cannot be cloned gets here (a headerGetter or requestGetter that
      // picked a function, a body nested past the structured clone's limit): send one by one
      // so that only that request fails, with a 4xx it will not retry.
      for (const entry of batch) {
        try {
          this.post([FromIngress.Dispatch, [entry]], streamTransfers([entry], 2));
        } catch (err) {
          const pending = this.dispatched.get(entry[0]);
          this.dispatched.delete(entry[0]);
          pending?.reject(new ERR_REQUEST_NOT_CLONEABLE((err as Error).message));
        }
      }
    }
  }

  private onMessage(message: MessageToIngress): void {
    switch (message[0]) {
      case ToIngress.Results:
        for (const [id, result, errorCode, text, syncMs, asyncMs] of message[1]) {
          const pending = this.dispatched.get(id);
          if (!pending) {
            if (result !== null) dropStream(result, new ERR_CLIENT_GONE());
            continue;
          }
          this.dispatched.delete(id);
          if (result !== null) pending.resolve(result);
          else pending.reject(rebuildError(errorCode, text));
          if (syncMs >= 0 && asyncMs >= 0) this.told.cost(pending.routeKey, syncMs, asyncMs);
        }
        return;
      case ToIngress.Injected: {
        const pending = this.injected.get(message[1]);
        this.injected.delete(message[1]);
        pending?.resolve(message[2]);
        return;
      }
      case ToIngress.Shed:
        this.told.shed(message[1]);
        return;
      case ToIngress.Drain:
        this.told.drain(message[1]);
        return;
      case ToIngress.Interrupted:
        this.told.interrupted();
        return;
      case ToIngress.Pin:
        this.told.pin(message[1]);
        return;
      case ToIngress.PoolReady:
        this.told.poolReady(message[1]);
        return;
    }
  }
}
