/**
 * Stops the JavaScript a worker thread is running right now, without ending the thread: the
 * inspector protocol's Runtime.terminateExecution, sent from the master to the worker's own
 * inspector session. V8 unwinds the running code and the worker's event loop goes on, so its
 * other requests, connections and timers survive (a Worker.terminate() would lose them all).
 * The message reaches a thread stuck in an endless loop: V8 handles it as an interrupt.
 *
 * Resolves false when it could not (no inspector in this Node build, no answer in time); the
 * caller then terminates the thread. Callers first check that no async_hooks are enabled on the
 * thread (dispatch/sync-watch.ts, `safeToInterrupt`): unwinding a promise continuation with hooks on
 * leaves node's async-id stack unbalanced, which aborts the process.
 */
import { Session } from 'node:inspector/promises';

const ANSWER_WITHIN_MS = 2000;

/** `workerId` is the inspector's own counter; the title names the thread: "[worker <threadId>] ...". */
interface AttachedEvent {
  params: { sessionId: string; workerInfo: { workerId: string; title: string } };
}
interface MessageEvent {
  params: { sessionId: string; message: string };
}

export async function interruptThread(threadId: number): Promise<boolean> {
  let session: Session;
  try {
    session = new Session();
    session.connect();
  } catch {
    return false;
  }
  const timers: NodeJS.Timeout[] = [];
  const within = <T>(promise: Promise<T>): Promise<T | undefined> =>
    Promise.race([
      promise,
      new Promise<undefined>((resolve) => {
        timers.push(setTimeout(() => resolve(undefined), ANSWER_WITHIN_MS));
      }),
    ]);
  try {
    const attached = new Promise<string>((resolve) => {
      session.on('NodeWorker.attachedToWorker', (event: AttachedEvent) => {
        if (/^\[worker (\d+)\]/.exec(event.params.workerInfo.title)?.[1] === String(threadId)) resolve(event.params.sessionId);
      });
    });
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    const sessionId = await within(attached);
    if (sessionId === undefined) return false;
    const answered = new Promise<boolean>((resolve) => {
      session.on('NodeWorker.receivedMessageFromWorker', (event: MessageEvent) => {
        if (event.params.sessionId === sessionId && (JSON.parse(event.params.message) as { id?: number }).id === 1) resolve(true);
      });
    });
    await session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.terminateExecution' }) });
    return (await within(answered)) === true;
  } catch {
    return false;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await session.post('NodeWorker.disable').catch(() => undefined);
    session.disconnect();
  }
}
