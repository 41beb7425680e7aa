import type { Gopool, RunningServer } from '../api/gopool';
import type { GopoolOptions } from '../config/options';
import { InlineDispatcher } from '../dispatch/inline-dispatcher';
import { boundUrl, createFastify, listenOn } from '../ingress/create-fastify';
import { gopoolRoutes } from '../ingress/gopool-routes';
import type { Logger } from '../runtime/logger';
import { closeWithinGrace } from './close-within-grace';
import { runOnMaster } from './on-master';

/** Single mode: the same routes, run inline on this one thread. No pool, no daemon. */
export async function runSingle({ gopool, options, log }: { gopool: Gopool; options: GopoolOptions; log: Logger }): Promise<RunningServer> {
  const app = createFastify(options, log);
  const ctx = await runOnMaster(gopool, app, false);
  const routes = gopool.routes.list();
  const inline = new InlineDispatcher(routes, ctx, log);
  await app.register(gopoolRoutes({ routes, dispatcherFor: () => inline, headerGetter: gopool.headerGetter, defaultTimeout: options.timeout, log }));
  await listenOn(app, options);
  const { url, port } = boundUrl(app);
  return { url, port, close: () => closeWithinGrace(app, options.gracePeriod) };
}
