import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream';
import split2 from 'split2';

/**
 * Forwards what a thread's console writes to the master's stdout/stderr, each line prefixed
 * with the thread's id, so a log says which thread wrote what. (gopool's own JSON logs name
 * their thread in a field and go to the file descriptor directly.)
 */
export function forwardThreadOutput(source: Readable, target: Writable, threadId: number): void {
  const prefix = `[thread ${threadId}] `;
  // Split on "\n" alone: a line goes out as the thread wrote it, a "\r" included. split2 also
  // writes a last line that has no newline once the thread's stream ends.
  const lines = split2('\n', (line: string) => `${prefix}${line}\n`);
  lines.on('data', (line: string) => target.write(line));
  // An error or an early close of the thread's stream ends the forwarding; the thread's own
  // exit is reported by whoever started it.
  pipeline(source, lines, () => undefined);
  // The last line is written when `lines` ends (after the thread's stream closed), so that is
  // what the master waits for.
  const ended = new Promise<void>((resolve) => finished(lines, () => resolve()));
  unfinished.add(ended);
  void ended.then(() => unfinished.delete(ended));
}

/** The forwarding of threads whose output may still arrive. */
const unfinished = new Set<Promise<void>>();

/**
 * Resolves once what every thread wrote has been forwarded, at most `ms` from now. A thread's
 * last lines (its onThreadStop's, say) reach the master after the thread has exited: a master
 * exiting at once would lose them.
 */
export function threadOutputForwarded(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.all(unfinished).then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
