import type { FastifyInstance } from 'fastify';
import type { Gopool } from '../api/gopool';
import type { GopoolContext } from '../api/types';
import { GopoolError } from '../runtime/errors';

/**
 * fastify methods whose effect reaches beyond a route of its own: hooks, plugins, parsers,
 * error handlers. Ingress threads have their own fastify and would bypass them.
 */
const CUSTOMIZING = ['addHook', 'register', 'setErrorHandler', 'setNotFoundHandler', 'addContentTypeParser', 'setReplySerializer', 'setSerializerCompiler', 'setValidatorCompiler', 'decorateRequest', 'decorateReply'] as const;

export interface OnMasterOutcome {
  ctx: GopoolContext;
  /** The customizing methods `onMaster` called on `app`, if any. */
  customized: string[];
}

/** Runs the user's `onMaster` and checks that the `ctx` it built can be cloned into threads. */
export async function runOnMaster(gopool: Gopool, app: FastifyInstance, checkCloneable: boolean): Promise<OnMasterOutcome> {
  const ctx: GopoolContext = {};
  const customized = new Set<string>();
  if (gopool.onMaster !== undefined) {
    if (typeof gopool.onMaster !== 'function') throw new GopoolError('gopool.onMaster must be a function');
    const restore = watchCustomizing(app, customized);
    try {
      await gopool.onMaster({ app, ctx });
    } finally {
      restore();
    }
  }
  if (checkCloneable) {
    try {
      structuredClone(ctx);
    } catch (err) {
      throw new GopoolError(`ctx cannot be copied into the threads (only plain data can: no functions, sockets or class instances with private state): ${(err as Error).message}`);
    }
  }
  return { ctx, customized: [...customized] };
}

/** Notes which customizing methods are called on the root instance; returns the undo. */
function watchCustomizing(app: FastifyInstance, seen: Set<string>): () => void {
  const target = app as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = CUSTOMIZING.map((name) => [name, target[name]!] as const);
  for (const [name, original] of originals) {
    target[name] = function (this: unknown, ...args: unknown[]) {
      seen.add(name);
      return original.apply(this, args);
    };
  }
  return () => {
    for (const [name, original] of originals) target[name] = original;
  };
}
