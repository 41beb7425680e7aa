import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { GopoolOptions } from '../config/options';
import { GopoolError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';

/** The master's HTTP front. Request logging is off: at 20k+ requests/s it would be the bottleneck. */
export function createFastify(options: GopoolOptions, log: Logger): FastifyInstance {
  return Fastify({
    loggerInstance: log.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
}

/** Listens, turning the usual socket errors into one clear line for the user. */
export async function listenOn(app: FastifyInstance, options: GopoolOptions): Promise<void> {
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EADDRINUSE') throw new GopoolError(`cannot listen on ${where}: address already in use (another server on that port?)`);
    if (code === 'EACCES') throw new GopoolError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new GopoolError(`cannot listen on ${where}: no such address on this machine`);
    throw err;
  }
}

/** The URL a client uses, from what the socket is really bound to (port 0 becomes a number). */
export function boundUrl(app: FastifyInstance): { url: string; port: number } {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on TCP');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, port: address.port };
}
