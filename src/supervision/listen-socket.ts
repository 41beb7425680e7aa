import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { ERR_ADDRESS_IN_USE, ERR_ADDRESS_NOT_AVAILABLE, ERR_BAD_HOST, ERR_LISTEN, ERR_LISTEN_DENIED } from '../errors';

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
 * (and every accepting thread) gets its own descriptor of the same socket over IPC.
 * Once a master has called listen(), the socket stays in LISTEN state for as long as the
 * daemon holds it: while a master restarts, new connections wait in the kernel's backlog
 * instead of being refused.
 *
 * `_createServerHandle` is internal to node (no public API gives a bound socket that does not
 * listen yet): test/internals/supervision/listen-socket.test.ts fails on a node major that
 * drops or changes it.
 */
export function bindListenSocket(host: string, port: number): { handle: TcpHandle; port: number } {
  const family = net.isIPv6(host) ? 6 : 4;
  if (!net.isIP(host)) throw new ERR_BAD_HOST(host);
  const result = (net as unknown as NetInternals)._createServerHandle(host, port, family);
  const where = `${host}:${port}`;
  if (typeof result === 'number') {
    const code = errnoName(result);
    if (code === 'EADDRINUSE') throw new ERR_ADDRESS_IN_USE(where);
    if (code === 'EACCES') throw new ERR_LISTEN_DENIED(where);
    if (code === 'EADDRNOTAVAIL') throw new ERR_ADDRESS_NOT_AVAILABLE(where);
    throw new ERR_LISTEN(where, code);
  }
  // libuv defers a failed bind() (EADDRINUSE) to listen(); that error would be lost on the way
  // to the master, whose listen() on the unbound socket would silently pick 0.0.0.0 and a
  // random port. An unbound socket reports port 0: treat that as the bind failure it is.
  const address: Record<string, unknown> = {};
  result.getsockname(address);
  const bound = Number(address.port);
  if (!bound || (port !== 0 && bound !== port)) {
    result.close();
    throw new ERR_ADDRESS_IN_USE(where);
  }
  return { handle: result, port: bound };
}

/**
 * The daemon's own descriptor of the listening socket. Bound when the first master asks,
 * closed when no master will serve again (a crash loop, a stop) so that connections are
 * refused at once instead of waiting in a backlog nobody accepts from, and bound again, on
 * the same port, if a reload brings a master back.
 */
export class DaemonSocket {
  private bound: { handle: TcpHandle; host: string; port: number } | null = null;
  private lastPort: number | null = null;

  get address(): { host: string; port: number } | null {
    return this.bound ? { host: this.bound.host, port: this.bound.port } : null;
  }

  /** The handle to send a master; throws the coded bind error. `moved` says if it asked for another address. */
  handleFor(host: string, port: number): { handle: TcpHandle; moved: boolean } {
    if (!this.bound) {
      const wanted = port === 0 && this.lastPort !== null ? this.lastPort : port;
      const { handle, port: boundPort } = bindListenSocket(host, wanted);
      this.bound = { handle, host, port: boundPort };
      this.lastPort = boundPort;
      return { handle, moved: false };
    }
    const moved = this.bound.host !== host || (port !== 0 && port !== this.bound.port);
    return { handle: this.bound.handle, moved };
  }

  /** Closes the daemon's descriptor; returns whether one was open. */
  close(): boolean {
    if (!this.bound) return false;
    this.bound.handle.close();
    this.bound = null;
    return true;
  }
}

function errnoName(code: number): string {
  try {
    return getSystemErrorName(code);
  } catch {
    return `error ${code}`;
  }
}
