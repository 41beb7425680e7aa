import type { MasterStats } from './ipc';
import type { MasterProcess } from './master-process';

const STATS_TIMEOUT_MS = 2000;

/** Asks masters for their metrics snapshot over IPC and matches the answers to the questions. */
export class MasterStatsRequests {
  private nextId = 1;
  private readonly waiting = new Map<number, (stats: MasterStats | null) => void>();

  /** The master's snapshot, or null if it is not ready or does not answer in time. */
  ask(master: MasterProcess | null): Promise<MasterStats | null> {
    if (!master?.ready || !master.child.connected) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, STATS_TIMEOUT_MS);
      this.waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value ?? null);
      });
      master.send({ t: 'stats?', id });
    });
  }

  answer(id: number, stats: MasterStats): void {
    this.waiting.get(id)?.(stats);
    this.waiting.delete(id);
  }

  /** A master exited: nobody will answer the questions in flight. */
  abandon(): void {
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
  }
}
