import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { DaemonLog } from './daemon-log';
import { MASTER_SPEC_ENV, type MasterSpec, type StartOutcome, type ToDaemon, type ToMaster } from './ipc';
import type { RotatingLogFile } from './log-file';
import { pipeMasterOutput } from './master-output';

const MASTER_ENTRY = join(__dirname, '..', 'master', 'main.js');
/** Past the master's own grace period, how long the daemon waits before killing it. */
const KILL_MARGIN_MS = 5_000;
/** How long a new master may take to become ready before a start or reload gives up on it. */
export const READY_TIMEOUT_MS = 60_000;

export interface MasterLaunch {
  spec: MasterSpec;
  env: NodeJS.ProcessEnv;
  execArgv: string[];
  /** Background mode: the master's output goes into this file instead of the daemon's stdout and stderr. */
  logFile?: RotatingLogFile;
  log: DaemonLog;
}

/** One master process, as the daemon sees it. */
export class MasterProcess {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  ready = false;
  url: string | null = null;
  gracePeriod = 10_000;
  /** Why it could not start, in its own words. */
  fatal: string | null = null;
  /** The daemon sent the SIGKILL itself (an overrun grace period, a failed reload candidate). */
  killedByDaemon = false;
  readonly exited: Promise<void>;

  constructor(
    launch: MasterLaunch,
    onMessage: (master: MasterProcess, message: ToDaemon) => void,
    onExit: (master: MasterProcess, code: number | null, signal: NodeJS.Signals | null) => void,
  ) {
    // The master's output passes through here in the foreground too: its console lines get
    // the same timestamp as in the log file of background mode.
    this.child = fork(MASTER_ENTRY, [], {
      env: { ...launch.env, [MASTER_SPEC_ENV]: JSON.stringify(launch.spec) },
      execArgv: launch.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    pipeMasterOutput(this.child.stdout!, this.child.stderr!, launch.logFile);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message: ToDaemon) => {
      if (message.t === 'ready') {
        this.ready = true;
        this.url = message.url;
        this.gracePeriod = message.gracePeriod;
      } else if (message.t === 'fatal') {
        this.fatal = message.message;
      }
      onMessage(this, message);
    });
    // A message sent to a master that is dying fails asynchronously (EPIPE, channel closed),
    // as an 'error' event: unheard, it would crash the daemon. Its exit is handled below.
    this.child.on('error', (err) => launch.log.warn({ err, masterPid: this.child.pid }, 'a message to the master failed (it is exiting?)'));
    this.child.once('exit', (code, signal) => onExit(this, code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(message: ToMaster, handle?: unknown): void {
    if (this.child.connected) this.child.send(message, handle as never);
  }

  kill(): void {
    this.killedByDaemon = true;
    this.child.kill('SIGKILL');
  }

  /** Asks the master to drain and waits for it to exit; kills it if it overstays its grace. */
  async retire(log: DaemonLog): Promise<void> {
    if (!this.running) return;
    this.send({ t: 'drain' });
    const killer = setTimeout(() => {
      log.error({ masterPid: this.pid }, 'the master overran its grace period; killing it');
      this.kill();
    }, this.gracePeriod + KILL_MARGIN_MS);
    await this.exited;
    clearTimeout(killer);
  }

  /** Resolves once the master is ready, or with why it will not be. */
  waitReady(): Promise<StartOutcome> {
    return new Promise((resolve) => {
      if (this.ready) {
        resolve({ ok: true, url: this.url! });
        return;
      }
      const timer = setTimeout(() => resolve({ ok: false, message: `not ready within ${READY_TIMEOUT_MS / 1000} s` }), READY_TIMEOUT_MS);
      const onMessage = (message: ToDaemon): void => {
        if (message.t !== 'ready') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve({ ok: true, url: message.url });
      };
      this.child.on('message', onMessage);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve({ ok: false, message: this.fatal ?? `the new master exited (code ${this.child.exitCode}, signal ${this.child.signalCode})` });
      });
    });
  }
}
