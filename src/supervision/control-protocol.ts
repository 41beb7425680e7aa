/** The control channel: one JSON request per line on a private unix socket, one JSON answer. */
import type { MasterStats } from './ipc';

export type ControlRequest = { cmd: 'status' } | { cmd: 'stop' } | { cmd: 'reload' };

export type DaemonState = 'starting' | 'online' | 'restarting' | 'reloading' | 'errored' | 'stopping';

export interface InstanceStatus {
  name: string;
  state: DaemonState;
  appFile: string;
  url: string | null;
  /** The daemon's listening socket (host:port), null while closed (errored, stopping). */
  listening: string | null;
  daemon: { pid: number; uptimeMs: number; rssBytes: number; privateBytes: number };
  masterPid: number | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  error: string | null;
  master: MasterStats | null;
}

export type ControlResponse = { ok: true; status?: InstanceStatus; message?: string } | { ok: false; error: string };
