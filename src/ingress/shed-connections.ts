import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type AnyRequest, type AnyResponse, type HttpServer, isHttp2, openConnections, requestSocketEvent } from './http-server';

/**
 * Kept-alive connections stay with whichever thread accepted them: clients such as load
 * balancers and benchmark tools open their connections once. When a new ingress thread
 * starts, the busy ones ask their clients to reconnect, politely: each HTTP/1 connection open
 * now gets `Connection: close` on its next response (closing an idle one outright would race a
 * client that is just sending on it), each HTTP/2 session a GOAWAY after its next answer.
 * The reconnects are spread by the kernel over every listener, and the idle new thread is the
 * quickest to take them. Between sheds, requests pay nothing for it: the server's request
 * listener is there only while a marked connection has not answered yet.
 */
export class ConnectionShedder {
  private readonly sockets = new Set<Socket>();
  /** Connections asked to close after their next response: a listener on the server's requests only while there are some. */
  private readonly marked = new Set<object>();
  private readonly onRequest = (req: AnyRequest, res: AnyResponse): void => {
    if (isHttp2(req) || !this.marked.delete(req.socket)) return;
    (res as ServerResponse).shouldKeepAlive = false;
    if (this.marked.size === 0) this.server.off('request', this.onRequest);
  };

  constructor(private readonly server: HttpServer) {
    // The socket HTTP/1 requests see: under TLS the TLS socket, not the TCP one under it.
    server.on(requestSocketEvent(server), (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (this.marked.delete(socket) && this.marked.size === 0) this.server.off('request', this.onRequest);
      });
    });
  }

  /** Every connection open now closes after its next response. */
  shedAll(): void {
    if (this.marked.size === 0 && this.sockets.size > 0) this.server.prependListener('request', this.onRequest);
    for (const socket of this.sockets) this.marked.add(socket);
    openConnections(this.server)?.shed();
  }

  get connections(): number {
    return this.sockets.size;
  }
}
