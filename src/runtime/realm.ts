/**
 * The state one JavaScript realm (the main thread of a process, or one worker thread) shares
 * across every copy of gopool loaded in it: an app may `require` and `import` gopool, and a
 * globally installed CLI may load an app that has its own copy in node_modules. Kept under one
 * `Symbol.for` key, so all copies see the same role, the same app definition and the same
 * start request.
 *
 * The role is set explicitly by the entry point that owns the realm, before the user's file
 * is loaded: the CLI, the master process's entry, each thread's entry. A realm no entry
 * claimed is the user's own `node app.js` (main thread) or a worker thread the user's code
 * created; never decided by timing, and never by an environment variable a child could
 * inherit.
 */
import { isMainThread } from 'node:worker_threads';
import { keepTickMaps } from './tick-maps';

export type Role =
  /** `node app.js`: a start call launches the daemon (pool mode) or serves here (single mode). */
  | 'launcher'
  /** The CLI or the master process loads the app file; a start call only records its options. */
  | 'managed'
  /** One of gopool's threads: a start call does nothing, the routes are what it needs. */
  | 'thread'
  /** A worker thread created by the user's code: a start call is ignored with a warning. */
  | 'foreign-thread';

export interface StartRequest {
  mode: 'pool' | 'single';
  options: Record<string, unknown>;
}

interface RealmState {
  role: Role | undefined;
  /** The instance every copy of gopool in this realm hands out. */
  instance: unknown;
  /** What the app file's start call asked for, if it made one. */
  startRequest: StartRequest | undefined;
  /** Settles what the start call returned, once the managing entry has started the server. */
  started: { promise: Promise<unknown>; resolve: (value: unknown) => void } | undefined;
}

const KEY = Symbol.for('gopool.realm');

export function realm(): RealmState {
  const holder = globalThis as { [KEY]?: RealmState };
  if (holder[KEY] === undefined) {
    holder[KEY] = { role: undefined, instance: undefined, startRequest: undefined, started: undefined };
    // The realm's first contact with gopool (an entry claiming it, or `node app.js` requiring
    // gopool): before the app is loaded and compiled.
    keepTickMaps();
  }
  return holder[KEY];
}

/** Claims the realm for an entry point; called before the user's file is loaded. */
export function claimRole(role: Exclude<Role, 'launcher' | 'foreign-thread'>): void {
  realm().role = role;
}

export function currentRole(): Role {
  return realm().role ?? (isMainThread ? 'launcher' : 'foreign-thread');
}
