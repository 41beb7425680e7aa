import type { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { threadResourceLimits } from '../../runtime/thread-limits';

/**
 * Forwards what a thread's console writes to the master's stdout/stderr, each line prefixed
 * with the thread's id, so a log says which thread wrote what. (gopool's own JSON logs name
 * their thread in a field and go to the file descriptor directly.)
 */
export function forwardThreadOutput(source: Readable, target: Writable, threadId: number): void {
  const prefix = `[thread ${threadId}] `;
  const ended = new Promise<void>((resolve) => source.once('close', resolve));
  unfinished.add(ended);
  void ended.then(() => unfinished.delete(ended));
  let rest = '';
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => {
    const text = rest + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      rest = text;
      return;
    }
    rest = text.slice(end + 1);
    target.write(`${prefix + text.slice(0, end).replaceAll('\n', `\n${prefix}`)}\n`);
  });
  source.on('end', () => {
    if (rest) target.write(`${prefix}${rest}\n`);
  });
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

/**
 * Starts one of gopool's threads (a pool or an ingress thread), with the memory limits of the
 * options, its console forwarded line by line. (The thread's entry claims its role itself.)
 */
export function startThread(file: string, workerData: object, maxThreadMemory: number, youngGenerationMb: number): Worker {
  const worker = new Worker(file, {
    workerData,
    stdout: true,
    stderr: true,
    ...threadResourceLimits(maxThreadMemory, youngGenerationMb),
  });
  forwardThreadOutput(worker.stdout, process.stdout, worker.threadId);
  forwardThreadOutput(worker.stderr, process.stderr, worker.threadId);
  return worker;
}
