import net from 'node:net';
import { GopoolError } from '../runtime/errors';

/** libuv's TCP handle: bound, not listening; sent to masters over IPC. */
export interface TcpHandle {
  fd: number;
  getsockname(out: Record<string, unknown>): number;
  close(): void;
}

interface NetInternals {
  _createServerHandle(address: string, port: number, addressType: number, fd?: number, flags?: number): TcpHandle | number;
}

/**
 * Binds the listening socket without listening on it, the way node's cluster module creates
 * a shared handle. The daemon keeps this descriptor and never accepts on it; every master
 * (and, later, every accepting thread) gets its own descriptor of the same socket over IPC.
 * Once a master has called listen(), the socket stays in LISTEN state for as long as the
 * daemon holds it: while a master restarts, new connections wait in the kernel's backlog
 * instead of being refused.
 */
export function bindListenSocket(host: string, port: number): { handle: TcpHandle; port: number } {
  const family = net.isIPv6(host) ? 6 : 4;
  if (!net.isIP(host)) throw new GopoolError(`--host must be an IP address (such as 127.0.0.1 or 0.0.0.0), got "${host}"`);
  const result = (net as unknown as NetInternals)._createServerHandle(host, port, family);
  if (typeof result === 'number') {
    const code = errnoName(result);
    const where = `${host}:${port}`;
    if (code === 'EADDRINUSE') throw new GopoolError(`cannot listen on ${where}: address already in use (another server on that port?)`);
    if (code === 'EACCES') throw new GopoolError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
    if (code === 'EADDRNOTAVAIL') throw new GopoolError(`cannot listen on ${where}: no such address on this machine`);
    throw new GopoolError(`cannot listen on ${where}: ${code}`);
  }
  // libuv defers a failed bind() (EADDRINUSE) to listen(); that error would be lost on the way
  // to the master, whose listen() on the unbound socket would silently pick 0.0.0.0 and a
  // random port. An unbound socket reports port 0: treat that as the bind failure it is.
  const address: Record<string, unknown> = {};
  result.getsockname(address);
  const bound = Number(address.port);
  if (!bound || (port !== 0 && bound !== port)) {
    result.close();
    throw new GopoolError(`cannot listen on ${host}:${port}: address already in use (another server on that port?)`);
  }
  return { handle: result, port: bound };
}

function errnoName(code: number): string {
  const util = require('node:util') as { getSystemErrorName(code: number): string };
  try {
    return util.getSystemErrorName(code);
  } catch {
    return `error ${code}`;
  }
}
