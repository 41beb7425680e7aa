import { unlinkSync } from 'node:fs';
import net from 'node:net';
import type { ControlRequest, ControlResponse } from './control-protocol';

/**
 * Serves the control socket. The socket file is created 0600 (by the umask at bind time, not
 * by a chmod after it, which would follow a link put in its place) inside a 0700 directory:
 * only the user who started the instance can send it commands.
 */
export function serveControl(path: string, handle: (request: ControlRequest) => Promise<ControlResponse>): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined); // a client that went away
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const line = buffered.slice(0, newline);
      buffered = '';
      let request: ControlRequest;
      try {
        request = JSON.parse(line) as ControlRequest;
      } catch {
        socket.end(`${JSON.stringify({ ok: false, error: 'bad request' })}\n`);
        return;
      }
      handle(request).then(
        (response) => socket.end(`${JSON.stringify(response)}\n`),
        (err: unknown) => socket.end(`${JSON.stringify({ ok: false, error: String((err as Error)?.message ?? err) })}\n`),
      );
    });
  });
  return new Promise((resolve, reject) => {
    const previous = process.umask(0o177);
    server.once('error', (err) => {
      process.umask(previous);
      reject(err);
    });
    server.listen(path, () => {
      process.umask(previous);
      resolve(server);
    });
  });
}

export function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
