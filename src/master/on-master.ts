import type { FastifyInstance } from 'fastify';
import type { AppCallbacks, GopoolContext } from '../api/types';
import { ERR_CTX_NOT_CLONEABLE, ERR_ON_MASTER } from '../errors';
import type { MasterRoute } from '../ingress/threads/protocol';
import type { Logger } from '../runtime/logger';
import { onMasterApp } from './on-master-app';

/**
 * The master's own scope, a child of the app's: the user's `onMaster` runs in it, so routes,
 * hooks and plugins it adds concern the master's own routes only (ingress threads never see
 * them; they hand those routes' requests to the master). Every route added there is noted in
 * `masterRoutes`. Calls on it that would have reached the app's routes log a warning that says
 * what to use instead (on-master-app.ts).
 *
 * `onWebSocketRoute`, in pool mode, is told of each WebSocket route (@fastify/websocket's
 * `websocket: true` or `wsHandler`) added there: the master accepts no connection, and what an
 * ingress thread hands over is a request (inject), which cannot carry an upgrade.
 */
export function onMasterScope(
  gopool: AppCallbacks,
  ctx: GopoolContext,
  masterRoutes: MasterRoute[],
  log: Logger,
  onWebSocketRoute?: (route: MasterRoute) => void,
) {
  return async function masterScope(scope: FastifyInstance): Promise<void> {
    scope.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) masterRoutes.push({ method, url: route.url });
      const webSocket = (route as { websocket?: unknown }).websocket === true || typeof (route as { wsHandler?: unknown }).wsHandler === 'function';
      // fastify's HEAD twin of a GET route comes through here too: one warning per route.
      if (webSocket && onWebSocketRoute && methods.includes('GET')) onWebSocketRoute({ method: 'GET', url: route.url });
    });
    if (gopool.onMaster === undefined) return;
    if (typeof gopool.onMaster !== 'function') throw new ERR_ON_MASTER('must be a function');
    await gopool.onMaster({ app: onMasterApp(scope, log), ctx });
  };
}

/** The start-up warning for a WebSocket route added in onMaster, in pool mode. */
export function webSocketOnMasterWarning({ url }: MasterRoute): string {
  return `the WebSocket route GET ${url} was added in onMaster: it lives on the master, which accepts no connection, so no client can ever open it; declare WebSocket routes in gopool.register(async (app) => { app.get(${JSON.stringify(url)}, { websocket: true }, ...) }) (they then exist on every ingress thread)`;
}

/** The ctx built in onMaster is cloned into every thread: only plain data can be. */
export function checkCloneable(ctx: GopoolContext): void {
  try {
    structuredClone(ctx);
  } catch (err) {
    throw new ERR_CTX_NOT_CLONEABLE((err as Error).message);
  }
}
