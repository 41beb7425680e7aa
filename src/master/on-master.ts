import type { FastifyInstance } from 'fastify';
import type { Gopool } from '../api/gopool';
import type { GopoolContext } from '../api/types';
import { GopoolError } from '../runtime/errors';

/** Runs the user's `onMaster` and checks that the `ctx` it built can be cloned into threads. */
export async function runOnMaster(gopool: Gopool, app: FastifyInstance, checkCloneable: boolean): Promise<GopoolContext> {
  const ctx: GopoolContext = {};
  if (gopool.onMaster !== undefined) {
    if (typeof gopool.onMaster !== 'function') throw new GopoolError('gopool.onMaster must be a function');
    await gopool.onMaster({ app, ctx });
  }
  if (checkCloneable) {
    try {
      structuredClone(ctx);
    } catch (err) {
      throw new GopoolError(`ctx cannot be copied into the threads (only plain data can: no functions, sockets or class instances with private state): ${(err as Error).message}`);
    }
  }
  return ctx;
}
