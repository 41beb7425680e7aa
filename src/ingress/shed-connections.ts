import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Kept-alive connections stay with whichever thread accepted them: clients such as load
 * balancers and benchmark tools open their connections once. When a new accepting thread
 * starts, the busy ones ask their clients to reconnect, politely: each connection open now
 * gets `Connection: close` on its next response (closing an idle one outright would race a
 * client that is just sending on it). The reconnects are spread by the kernel over every
 * listener, and the idle new thread is the quickest to take them.
 *
 * `handingOff` does the same for every connection, for as long as it is set: the master sets
 * it while ingress threads listen, so its connections move to them within one request each
 * and the master is left to coordinate (and never runs a handler of their routes itself). A
 * client that pipelines gets every request it already sent answered first: the `Connection:
 * close` goes on the last response pending on the connection, decided just before that
 * response's headers are written (`beforeHeaders`, an onSend hook of the master's).
 */
export class ConnectionShedder {
  private readonly sockets = new Set<Socket>();
  private readonly marked = new WeakSet<Socket>();
  /** Every response closes its connection: the client reconnects, most likely elsewhere. */
  handingOff = false;
  /** While handing off: requests received and not answered yet, per connection. */
  private readonly pending = new WeakMap<Socket, number>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.prependListener('request', (req, res) => {
      if (this.handingOff) {
        const socket = req.socket;
        this.pending.set(socket, (this.pending.get(socket) ?? 0) + 1);
        res.once('close', () => this.pending.set(socket, (this.pending.get(socket) ?? 1) - 1));
      } else if (this.marked.has(req.socket)) {
        this.marked.delete(req.socket);
        res.shouldKeepAlive = false;
      }
    });
  }

  /**
   * While handing off: the last response pending on its connection closes it. (The request's
   * socket, not the response's: a pipelined response gets its socket only once the ones
   * before it are written.)
   */
  beforeHeaders(request: IncomingMessage, response: ServerResponse): void {
    if (this.handingOff && (this.pending.get(request.socket) ?? 0) <= 1) response.shouldKeepAlive = false;
  }

  /** Every connection open now closes after its next response. */
  shedAll(): void {
    for (const socket of this.sockets) this.marked.add(socket);
  }

  get connections(): number {
    return this.sockets.size;
  }
}
