import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { gopoolInstance } from '../../api/instance';
import type { GopoolContext } from '../../api/types';
import type { GopoolOptions } from '../../config/options';
import { InlineDispatcher } from '../../dispatch/inline-dispatcher';
import { Placement } from '../../dispatch/placement';
import { ResponseSerializers } from '../../dispatch/response-serializers';
import type { RouteCosts } from '../../dispatch/route-costs';
import type { SyncWatch } from '../../dispatch/sync-watch';
import type { Dispatcher } from '../../dispatch/task';
import type { ThreadApp } from '../../dispatch/thread-start';
import type { OnAnswered } from '../answer-counts';
import { createFastify } from '../create-fastify';
import { mountApp } from '../mount-app';
import type { TlsFiles } from '../tls-files';

export interface IngressAppParts {
  thread: Pick<ThreadApp, 'definition' | 'routes'>;
  options: GopoolOptions;
  log: FastifyBaseLogger;
  ctx: GopoolContext;
  tls?: TlsFiles | undefined;
  /** What routes cost: this thread's inline runs feed it, placement reads it. */
  costs: RouteCosts;
  /** Which handler runs synchronously right now, for the master to interrupt a stuck one. */
  syncWatch?: SyncWatch | undefined;
  /** Where the routes placed away from this thread run. */
  pool?: Dispatcher | undefined;
  master?: Dispatcher | undefined;
  /** Counts the answers (metrics). */
  onAnswered?: OnAnswered | undefined;
  /** Told the placement before the app is mounted: what the master says about placement meanwhile goes to it. */
  placed?: (placement: Placement<InlineDispatcher>) => void;
}

/**
 * The fastify an ingress thread serves, not listening yet: the app mounted as on every
 * accepting thread (mount-app.ts), its gopool routes run here or away as placement says. Its
 * own module, so that what an ingress thread does with a request can be measured on its own
 * (bench/instructions.mjs) with the very code the thread runs.
 */
export async function ingressApp(parts: IngressAppParts): Promise<FastifyInstance> {
  const { thread, options, log, costs } = parts;
  const gopool = gopoolInstance();
  const app = createFastify(options, log, { role: 'ingress', tls: parts.tls, appCode: thread.definition.hasAppCode });
  const here = new InlineDispatcher(thread.routes, parts.ctx, log, new ResponseSerializers(thread.definition.sharedSchemas), {
    syncWatch: parts.syncWatch,
    costs,
  });
  const placement = new Placement({ role: 'ingress', cheapRouteMs: options.cheapRouteMs, here, costs, pool: parts.pool, master: parts.master });
  parts.placed?.(placement);
  await mountApp(app, {
    definition: thread.definition,
    options,
    log,
    routes: { placement, headerGetter: gopool.headerGetter, requestGetter: gopool.requestGetter, defaultTimeout: options.timeout },
    onAnswered: parts.onAnswered,
  });
  return app;
}
