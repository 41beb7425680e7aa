import type { FastifyInstance } from 'fastify';

/**
 * Closes the HTTP front: stop accepting, wait for in-flight requests, but no longer than the
 * grace period; then cut the remaining connections.
 */
export async function closeWithinGrace(app: FastifyInstance, gracePeriod: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), gracePeriod); });
  const outcome = await Promise.race([app.close().then(() => 'closed' as const), graceOver]);
  clearTimeout(timer);
  if (outcome === 'late') app.server.closeAllConnections();
}
