import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionCount } from './connection-balance';
import { type AnyRequest, type AnyResponse, type HttpServer, isHttp2, openConnections, requestSocketEvent } from './http-server';

/**
 * Kept-alive connections stay with whichever thread accepted them: clients such as load
 * balancers and benchmark tools open their connections once. When a new ingress thread
 * starts, the busy ones ask their clients to reconnect, politely: each HTTP/1 connection open
 * now gets `Connection: close` on its next response (closing an idle one outright would race a
 * client that is just sending on it), each HTTP/2 session a GOAWAY after its next answer.
 * The reconnects are spread by the kernel over every listener, and the idle new thread is the
 * quickest to take them. Between sheds, requests pay nothing for it: the server's request
 * listener is there only while a marked connection has not answered yet. A thread holding
 * more than its share of the connections lets the excess go the same way (connection-balance.ts).
 */
export class ConnectionShedder {
  private readonly sockets = new Set<Socket>();
  /** Connections asked to close after their next response: a listener on the server's requests only while there are some. */
  private readonly marked = new Set<object>();
  /** Marked connections whose response now under way closes them. */
  private readonly leaving = new Set<object>();
  private readonly onRequest = (req: AnyRequest, res: AnyResponse): void => {
    if (isHttp2(req) || !this.marked.delete(req.socket)) return;
    this.leaving.add(req.socket);
    (res as ServerResponse).shouldKeepAlive = false;
    if (this.marked.size === 0) this.server.off('request', this.onRequest);
  };

  /** `kept`: told how many connections stay (open, not asked to close) whenever that changes. */
  constructor(
    private readonly server: HttpServer,
    private readonly kept?: ConnectionCount,
  ) {
    // The socket HTTP/1 requests see: under TLS the TLS socket, not the TCP one under it.
    server.on(requestSocketEvent(server), (socket: Socket) => {
      this.sockets.add(socket);
      this.count();
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (this.marked.delete(socket) && this.marked.size === 0) this.server.off('request', this.onRequest);
        this.leaving.delete(socket);
        this.count();
      });
    });
  }

  /** Every connection open now closes after its next response. */
  shedAll(): void {
    this.mark(this.sockets);
    openConnections(this.server)?.shed();
  }

  /** `count` of the connections open now close after their next response: the newest, which have served the least. */
  shed(count: number): void {
    if (count <= 0) return;
    const staying = [...this.sockets].filter((socket) => !this.marked.has(socket) && !this.leaving.has(socket));
    this.mark(staying.slice(-count));
    openConnections(this.server)?.shed(count);
  }

  private mark(sockets: Iterable<Socket>): void {
    const before = this.marked.size;
    for (const socket of sockets) if (!this.leaving.has(socket)) this.marked.add(socket);
    if (before === 0 && this.marked.size > 0) this.server.prependListener('request', this.onRequest);
    this.count();
  }

  private count(): void {
    this.kept?.set(this.sockets.size - this.marked.size - this.leaving.size);
  }

  get connections(): number {
    return this.sockets.size;
  }
}
