import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Server, Socket } from 'node:net';

interface SessionState {
  /** Streams open now. */
  streams: number;
  /** When its last stream ended (or it opened), for the idle ones a drain closes. */
  idleSince: number;
  /** Closes (GOAWAY) once its current streams are done: asked to move elsewhere. */
  closeWhenAnswered: boolean;
}

/**
 * The TCP connections and HTTP/2 sessions of a TLS or HTTP/2 server. Node's
 * closeIdleConnections / closeAllConnections know only the HTTP/1 ones past their TLS
 * handshake, while a drain must end every one of them; and HTTP/2 has no `Connection: close`:
 * a session is asked to move on with a GOAWAY (`session.close()`: the streams it has finish,
 * the client opens new ones elsewhere), sent once an answer is done, as HTTP/1 says
 * `Connection: close` on its next response, so that a client that just opened the session
 * gets its first answer rather than a refused stream.
 */
export class OpenConnections {
  readonly sockets = new Set<Socket>();
  private readonly sessions = new Map<ServerHttp2Session, SessionState>();
  private draining = false;

  constructor(server: Server, idleSessionMs: number) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('session', (session: ServerHttp2Session) => {
      const state: SessionState = { streams: 0, idleSince: Date.now(), closeWhenAnswered: this.draining };
      this.sessions.set(session, state);
      session.once('close', () => this.sessions.delete(session));
      session.on('stream', (stream: ServerHttp2Stream) => {
        state.streams++;
        stream.once('close', () => {
          state.streams--;
          state.idleSince = Date.now();
          if (state.closeWhenAnswered) session.close();
        });
      });
      // fastify's http2SessionTimeout, for the sessions of gopool's server: idle this long, closed politely.
      session.setTimeout(idleSessionMs, () => session.close());
    });
  }

  /** Every session open now, or `count` of them, closes after its next answer (another thread wants some of the clients). */
  shed(count = Number.POSITIVE_INFINITY): void {
    let left = count;
    for (const state of this.sessions.values()) {
      if (left <= 0) return;
      if (state.closeWhenAnswered) continue;
      state.closeWhenAnswered = true;
      left--;
    }
  }

  /** A drain: every session, those still to come too, closes after its next answer. */
  drain(): void {
    this.draining = true;
    this.shed();
  }

  /** Closes the sessions that have had no stream open for `ms`. */
  closeIdleSessions(ms: number): void {
    const before = Date.now() - ms;
    for (const [session, state] of this.sessions) if (state.streams === 0 && state.idleSince <= before) session.close();
  }

  /** Ends every connection at once: the end of a drain's grace period. */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
