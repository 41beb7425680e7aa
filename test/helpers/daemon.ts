// What the daemon's tests ask of an instance from outside: whether a process lives, its status
// as the CLI reports it, whether a port is free, what a TCP connect to it gets.
import assert from 'node:assert/strict';
import net from 'node:net';
import { CLI, runToEnd } from './processes';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function status(home: string, name: string): Promise<any> {
  const result = await runToEnd(process.execPath, [CLI, 'status', name, '--json'], { env: { GOPOOL_HOME: home } });
  assert.equal(result.code, 0, result.output);
  return JSON.parse(result.output)[0];
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Resolves with the error code of a TCP connect to the port, or 'connected'. */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
