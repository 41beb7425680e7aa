// What the daemon's tests ask of an instance from outside: whether a process lives, its status
// as the CLI reports it, whether a port is free, what a TCP connect to it gets, what its log
// file says; and how they drive the crash-loop fixture.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { get, until } from './http';
import { CLI, FIXTURES, runToEnd } from './processes';

/** A master that dies after every start (test/fixtures/crash-loop-app.js). */
export const CRASH_LOOP_APP = join(FIXTURES, 'crash-loop-app.js');

/** The environment of an instance of the crash-loop fixture in `home` (its mark lives there). */
export function crashLoopEnv(home: string): NodeJS.ProcessEnv {
  return { GOPOOL_HOME: home, GOPOOL_TEST_CRASH_MARK: join(home, 'crashed') };
}

/** Sets the crash loop off, once the daemon has the first master online: every later one crashes as it starts. */
export async function crashFirstMaster(url: string): Promise<void> {
  // The master crashes just after it answers: the answer may be cut.
  await get(`${url}/crash`).catch(() => undefined);
}

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

/**
 * Waits until the log file of a background instance has a line that includes `text`: a read of
 * a file, where polling `gopool status` would start a process each time.
 */
export async function untilLogged(home: string, name: string, text: string, ms = 30_000): Promise<void> {
  const file = join(home, 'logs', `${name}.log`);
  await until(async () => existsSync(file) && readFileSync(file, 'utf8').includes(text), ms);
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
