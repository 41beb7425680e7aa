import { EventEmitter } from 'node:events';
import { ERR_DAEMON_GONE, rebuildError } from '../errors';
import type { DaemonInfo } from '../monitoring/metrics';
import type { MasterStats, ToDaemon, ToMaster } from '../supervision/ipc';
import type { TcpHandle } from '../supervision/listen-socket';

/** What the daemon tells or asks its master besides the answers to its requests (master/main.ts acts on it). */
export interface DaemonSays {
  /** The daemon's pid, start time and restart count, sent once the master said it is ready. */
  daemonInfo(info: DaemonInfo): void;
  /** The master's figures for `gopool status`; undefined while the server is not running (no answer then). */
  stats(): MasterStats | undefined;
}

/**
 * The master's end of the IPC channel to its daemon. Emits 'drain' when the daemon asks the
 * master to stop, and also when the daemon is gone: a master never outlives its supervisor.
 */
export class SupervisorLink extends EventEmitter {
  /** Descriptors asked for and not yet received; the daemon answers in order. */
  private readonly pendingHandles: Array<{ resolve: (handle: TcpHandle) => void; reject: (err: Error) => void }> = [];
  /** The daemon asked this master to drain, or is gone (also before anyone listened for 'drain'). */
  drainAsked = false;

  constructor(private readonly told: DaemonSays) {
    super();
    process.on('message', (message: ToMaster, handle?: unknown) => this.onMessage(message, handle));
    process.on('disconnect', () => this.askDrain());
  }

  requestHandle(host: string, port: number): Promise<TcpHandle> {
    return new Promise((resolve, reject) => {
      if (!process.connected) {
        reject(new ERR_DAEMON_GONE());
        return;
      }
      this.pendingHandles.push({ resolve, reject });
      this.send({ t: 'listen', host, port });
    });
  }

  ready(url: string, gracePeriod: number): void {
    this.send({ t: 'ready', url, gracePeriod });
  }

  /** Reports a start-up failure; resolves once the message is on its way. */
  fatal(message: string): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected) resolve();
      else process.send!({ t: 'fatal', message } satisfies ToDaemon, undefined, {}, () => resolve());
    });
  }

  /** Calls `drain` once the daemon asks (at once if it asked already, while the server was starting). */
  onDrain(drain: () => void): void {
    if (this.drainAsked) drain();
    else this.once('drain', drain);
  }

  private askDrain(): void {
    this.drainAsked = true;
    this.emit('drain');
  }

  private send(message: ToDaemon): void {
    if (process.connected) process.send!(message);
  }

  private onMessage(message: ToMaster, handle: unknown): void {
    switch (message.t) {
      case 'handle':
        this.pendingHandles.shift()?.resolve(handle as TcpHandle);
        return;
      case 'listen-error':
        this.pendingHandles.shift()?.reject(rebuildError(message.code, message.message));
        return;
      case 'drain':
        this.askDrain();
        return;
      case 'stats?': {
        const stats = this.told.stats();
        if (stats) this.send({ t: 'stats', id: message.id, stats });
        return;
      }
      case 'daemon':
        this.told.daemonInfo({ pid: message.pid, startedAt: message.startedAt, restarts: message.restarts });
        return;
    }
  }
}
