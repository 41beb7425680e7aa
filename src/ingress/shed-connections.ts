import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Kept-alive connections stay with whichever thread accepted them: clients such as load
 * balancers and benchmark tools open their connections once. When a new ingress thread
 * starts, the busy ones ask their clients to reconnect, politely: each connection open now
 * gets `Connection: close` on its next response (closing an idle one outright would race a
 * client that is just sending on it). The reconnects are spread by the kernel over every
 * listener, and the idle new thread is the quickest to take them.
 */
export class ConnectionShedder {
  private readonly sockets = new Set<Socket>();
  private readonly marked = new WeakSet<Socket>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.prependListener('request', (req, res) => {
      if (this.marked.has(req.socket)) {
        this.marked.delete(req.socket);
        res.shouldKeepAlive = false;
      }
    });
  }

  /** Every connection open now closes after its next response. */
  shedAll(): void {
    for (const socket of this.sockets) this.marked.add(socket);
  }

  get connections(): number {
    return this.sockets.size;
  }
}
