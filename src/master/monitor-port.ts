import Fastify from 'fastify';
import type { GopoolOptions } from '../config/options';
import { serverTimeouts } from '../ingress/server-timeouts';
import { monitoringEndpoints } from '../monitoring/endpoints';
import type { Metrics } from '../monitoring/metrics';
import type { Logger } from '../runtime/logger';

/** How long a reloaded master keeps trying for a monitoring port its predecessor still holds. */
const RETRY_FOR_MS = 30_000;

/**
 * The monitoring endpoints on their own port (for a Prometheus that must not reach the public
 * port, or a firewall that keeps it private). During a reload the old master still holds the
 * port until it drains, so this binds in the background and retries, never delaying readiness.
 */
export function startMonitorPort(metrics: Metrics, options: GopoolOptions, log: Logger): { close(): Promise<void> } {
  const app = Fastify({ logger: false, ...serverTimeouts(options) });
  let closed = false;
  const ready = app.register(monitoringEndpoints(metrics, { prefix: '', token: options.monitorToken }));
  const deadline = Date.now() + RETRY_FOR_MS;
  const attempt = async (): Promise<void> => {
    await ready;
    while (!closed) {
      try {
        await app.listen({ port: options.monitorPort, host: options.monitorHost });
        log.info({ url: `http://${options.monitorHost}:${options.monitorPort}` }, 'monitoring endpoints listening');
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) {
          log.error({ err }, `the monitoring port ${options.monitorHost}:${options.monitorPort} could not be opened`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const started = attempt();
  return {
    async close() {
      closed = true;
      await started;
      await app.close();
    },
  };
}
