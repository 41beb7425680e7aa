import { lstatSync } from 'node:fs';
import type { Server } from 'node:net';
import { ERR_INSTANCE_RUNNING, ERR_UNSAFE_PATH } from '../errors';
import { sendControl } from './control-client';
import type { ControlRequest, ControlResponse } from './control-protocol';
import { removeSocketFile, serveControl } from './control-server';
import { ensureHome, type InstancePaths, instancePaths } from './paths';
import { removePidFile, writePidFile } from './pid-file';

/**
 * An instance's presence in GOPOOL_HOME: its control socket and pid file. Claiming refuses a
 * name that a running daemon answers to; a socket file left by a daemon that died is removed
 * first (unlink removes a link itself, never what it points to).
 */
export class InstanceFiles {
  readonly paths: InstancePaths;
  private control: Server | null = null;

  constructor(readonly name: string) {
    this.paths = instancePaths(name);
  }

  async claim(handle: (request: ControlRequest) => Promise<ControlResponse>): Promise<void> {
    ensureHome();
    if (isLink(this.paths.socket)) {
      removeSocketFile(this.paths.socket);
    } else {
      let running: ControlResponse | undefined;
      try {
        running = await sendControl(this.paths.socket, { cmd: 'status' }, 2000);
      } catch {
        removeSocketFile(this.paths.socket); // a daemon that died left it behind
      }
      if (running) {
        const pid = running.ok ? running.status?.daemon.pid : undefined;
        throw new ERR_INSTANCE_RUNNING(this.name, pid ? ` (daemon pid ${pid})` : '');
      }
    }
    this.control = await serveControl(this.paths.socket, handle);
    const socket = lstatSync(this.paths.socket);
    if (!socket.isSocket()) throw new ERR_UNSAFE_PATH(this.paths.socket, 'not the socket gopool made');
    writePidFile(this.paths.pid);
  }

  release(): void {
    this.control?.close();
    this.control = null;
    // Only our own socket: a planted file or link in its place is not ours to remove.
    try {
      if (lstatSync(this.paths.socket).isSocket()) removeSocketFile(this.paths.socket);
    } catch {
      // already gone
    }
    removePidFile(this.paths.pid);
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
