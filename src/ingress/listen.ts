import type { FastifyInstance } from 'fastify';
import type { GopoolOptions } from '../config/options';
import { ERR_ADDRESS_IN_USE, ERR_ADDRESS_NOT_AVAILABLE, ERR_LISTEN, ERR_LISTEN_DENIED } from '../errors';
import type { TcpHandle } from '../supervision/listen-socket';

/** How the HTTP front gets its socket: its own bind, or a descriptor from the daemon. */
export type Listen = (app: FastifyInstance, options: GopoolOptions) => Promise<void>;

/** Standalone: bind and listen here, turning the usual socket errors into one clear line. */
export const listenOnPort: Listen = async (app, options) => {
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EADDRINUSE') throw new ERR_ADDRESS_IN_USE(where);
    if (code === 'EACCES') throw new ERR_LISTEN_DENIED(where);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ERR_ADDRESS_NOT_AVAILABLE(where);
    throw new ERR_LISTEN(where, code ?? (err as Error).message, { cause: err });
  }
};

/** Supervised: listen on this process's own descriptor of the daemon's socket. */
export function listenOnHandle(getHandle: (host: string, port: number) => Promise<TcpHandle>): Listen {
  return async (app, options) => listenOn(app, await getHandle(options.host, options.port), options);
}

/**
 * An ingress thread: listen on a descriptor number the master received from the daemon.
 * Each thread has its own descriptor of the one socket, so a thread that exits closes only
 * its own and the others keep accepting.
 */
export function listenOnDescriptor(app: FastifyInstance, fd: number, options: GopoolOptions): Promise<void> {
  return listenOn(app, { fd }, options);
}

async function listenOn(app: FastifyInstance, handle: TcpHandle | { fd: number }, options: GopoolOptions): Promise<void> {
  // The host must be explicit: for the default "localhost", fastify opens extra sockets of
  // its own on every address localhost resolves to, beside the handle.
  try {
    await app.listen({ handle, host: options.host } as unknown as Parameters<FastifyInstance['listen']>[0]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EADDRINUSE') throw new ERR_ADDRESS_IN_USE(where);
    throw new ERR_LISTEN(where, code ?? (err as Error).message, { cause: err });
  }
}
