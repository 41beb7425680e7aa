/**
 * The pool's central queue, in two lanes by measured cost. Cheap tasks (expected to run under
 * the thread budget) go first, so that a hello is not stuck behind a queue of fib(30)s; a
 * heavy task is overtaken by at most MAX_OVERTAKEN_MS of cheap work, so a flood of cheap ones
 * cannot starve it. Within a lane, first in, first out. Sets are insertion-ordered: a task
 * that times out while queued leaves in O(1).
 */
export interface Queued {
  /** Expected synchronous run time in ms. */
  cost: number;
}

const MAX_OVERTAKEN_MS = 50;

export class CentralQueue<T extends Queued> {
  private readonly cheap = new Set<T>();
  private readonly heavy = new Set<T>();
  /** Expected run time of the cheap tasks handed out ahead of the current heavy head. */
  private overtaken = 0;

  constructor(private readonly cheapBelowMs: number) {}

  get size(): number {
    return this.cheap.size + this.heavy.size;
  }

  add(task: T): void {
    (task.cost < this.cheapBelowMs ? this.cheap : this.heavy).add(task);
  }

  /** The task that should run next, left in the queue. */
  peek(): T | undefined {
    const heavy = first(this.heavy);
    const cheap = first(this.cheap);
    if (heavy && (!cheap || this.overtaken >= MAX_OVERTAKEN_MS)) return heavy;
    return cheap;
  }

  /** Takes the task `peek` returned. */
  take(task: T): void {
    if (this.heavy.delete(task)) {
      this.overtaken = 0; // the next heavy task starts its own count
      return;
    }
    this.cheap.delete(task);
    if (this.heavy.size > 0) this.overtaken += task.cost;
  }

  /** Puts a task taken earlier back at the head of its lane (its thread died before running it). */
  putBack(task: T): void {
    const lane = task.cost < this.cheapBelowMs ? this.cheap : this.heavy;
    const rest = [...lane];
    lane.clear();
    lane.add(task);
    for (const other of rest) lane.add(other);
  }

  /** Removes a task wherever it is (it timed out while queued). */
  remove(task: T): void {
    if (this.heavy.delete(task) && this.heavy.size === 0) this.overtaken = 0;
    this.cheap.delete(task);
  }

  /** Empties the queue, returning what was in it (to be failed). */
  drain(): T[] {
    const all = [...this.cheap, ...this.heavy];
    this.cheap.clear();
    this.heavy.clear();
    this.overtaken = 0;
    return all;
  }
}

function first<T>(set: Set<T>): T | undefined {
  return set.values().next().value;
}
