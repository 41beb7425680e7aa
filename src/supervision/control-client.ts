import net from 'node:net';
import { ERR_CONTROL_TIMEOUT, ERR_CONTROL_UNREADABLE } from '../errors';
import type { ControlRequest, ControlResponse } from './control-protocol';

/** Sends one command to an instance's control socket; rejects with the socket error if it is not there. */
export function sendControl(path: string, request: ControlRequest, timeoutMs = 120_000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ERR_CONTROL_TIMEOUT(path, timeoutMs));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(answer) as ControlResponse);
      } catch {
        reject(new ERR_CONTROL_UNREADABLE(path, answer));
      }
    });
  });
}
