import { isMainThread, workerData } from 'node:worker_threads';

/**
 * Which part of gopool this JavaScript realm is. Decided from facts that exist before any
 * user code runs, never from timing (the original waited 200 ms to guess):
 * - `thread`: a worker thread that gopool created (it marks its workerData);
 * - `master`: the process a gopool supervisor started (it sets GOPOOL_ROLE=master);
 * - `launcher`: anything else on a main thread, e.g. `node app.js` typed by a user;
 * - `foreign-thread`: a worker thread the user's own code created.
 */
export type Role = 'launcher' | 'master' | 'thread' | 'foreign-thread';

export const THREAD_MARK = '__gopoolThread';
export const ROLE_ENV = 'GOPOOL_ROLE';

function detect(): Role {
  if (!isMainThread) {
    const marked = typeof workerData === 'object' && workerData !== null && (workerData as Record<string, unknown>)[THREAD_MARK] === true;
    return marked ? 'thread' : 'foreign-thread';
  }
  if (process.env[ROLE_ENV] === 'master') {
    // Children the user's code spawns must not believe they are masters too.
    delete process.env[ROLE_ENV];
    return 'master';
  }
  return 'launcher';
}

// Read once at load: the environment variable is consumed above.
const role: Role = detect();

export function currentRole(): Role {
  return role;
}
