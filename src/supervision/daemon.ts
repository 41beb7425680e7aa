import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { GopoolError } from '../runtime/errors';
import { removeSocketFile, serveControl } from './control-server';
import { sendControl } from './control-client';
import type { ControlRequest, ControlResponse, DaemonState, InstanceStatus } from './control-protocol';
import type { DaemonLog } from './daemon-log';
import { MASTER_SPEC_ENV, type MasterSpec, type MasterStats, type ToDaemon, type ToMaster } from './ipc';
import { bindListenSocket, type TcpHandle } from './listen-socket';
import type { RotatingLogFile } from './log-file';
import { ensureHome, instancePaths, type InstancePaths } from './paths';
import { RestartPolicy } from './restart-policy';

export interface DaemonOptions {
  name: string;
  appFile: string;
  /** Options from the command line, forwarded to every master. */
  cli: Record<string, unknown>;
  /** Node flags for the master (e.g. the `--import` a user ran `node` with). */
  execArgv: string[];
  log: DaemonLog;
  /** Background mode: the masters' output goes to this file instead of the daemon's stdout. */
  logFile?: RotatingLogFile;
  /** Called once: the first master is ready, or the start failed (with why). */
  onStarted?: (outcome: { ok: true; url: string } | { ok: false; message: string }) => void;
}

const MASTER_ENTRY = join(__dirname, '..', 'master', 'main.js');
/** How long a new master may take to become ready before a start or reload gives up on it. */
const READY_TIMEOUT_MS = 60_000;
/** Past the master's own grace period, how long the daemon waits before killing it. */
const KILL_MARGIN_MS = 5_000;

interface Master {
  child: ChildProcess;
  startedAt: number;
  ready: boolean;
  url: string | null;
  gracePeriod: number;
  draining: boolean;
  fatal: string | null;
  exited: Promise<void>;
}

/**
 * The supervisor. It runs no user code: it owns the listening socket, starts the master,
 * restarts it with backoff when it dies, reloads it without dropping a request, stops it
 * gracefully, and answers `gopool status | stop | reload` on its control socket.
 */
export class Daemon {
  private state: DaemonState = 'starting';
  private master: Master | null = null;
  private socket: { handle: TcpHandle; host: string; port: number } | null = null;
  private readonly policy = new RestartPolicy();
  private restarts = 0;
  private lastExit: InstanceStatus['lastExit'] = null;
  private error: string | null = null;
  private readonly startedAt = Date.now();
  private readonly paths: InstancePaths;
  private control: Server | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private reloading: Promise<ControlResponse> | null = null;
  private stopping: Promise<number> | null = null;
  private finished!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => { this.finished = resolve; });
  private nextStatsId = 1;
  private readonly statsWaiters = new Map<number, (stats: MasterStats) => void>();

  constructor(private readonly options: DaemonOptions) {
    this.paths = instancePaths(options.name);
  }

  /** Runs until stopped; resolves with the exit code for the daemon process. */
  async run(): Promise<number> {
    await this.claimInstance();
    this.installSignals();
    this.master = this.spawnMaster();
    return this.done;
  }

  // ---- the instance's files ----------------------------------------------------------------

  private async claimInstance(): Promise<void> {
    ensureHome();
    try {
      const response = await sendControl(this.paths.socket, { cmd: 'status' }, 2000);
      const pid = response.ok ? response.status?.daemon.pid : undefined;
      throw new GopoolError(`an instance named "${this.options.name}" is already running${pid ? ` (daemon pid ${pid})` : ''}; stop it or choose another --name`);
    } catch (err) {
      if (err instanceof GopoolError) throw err;
      removeSocketFile(this.paths.socket); // a daemon that died left it behind
    }
    this.control = await serveControl(this.paths.socket, (request) => this.onControl(request));
    writeFileSync(this.paths.pid, `${process.pid}\n`, { mode: 0o600 });
  }

  private releaseInstance(): void {
    this.control?.close();
    removeSocketFile(this.paths.socket);
    try {
      if (readFileSync(this.paths.pid, 'utf8').trim() === String(process.pid)) unlinkSync(this.paths.pid);
    } catch {
      // already gone
    }
  }

  // ---- masters ------------------------------------------------------------------------------

  private spawnMaster(): Master {
    const spec: MasterSpec = { appFile: this.options.appFile, cli: this.options.cli };
    const background = this.options.logFile !== undefined;
    const child = fork(MASTER_ENTRY, [], {
      env: { ...process.env, [MASTER_SPEC_ENV]: JSON.stringify(spec) },
      execArgv: this.options.execArgv,
      stdio: background ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (this.options.logFile) {
      const out = this.options.logFile.lineWriter('');
      const err = this.options.logFile.lineWriter('[stderr] ');
      child.stdout!.on('data', (chunk: Buffer) => out.write(chunk));
      child.stderr!.on('data', (chunk: Buffer) => err.write(chunk));
      child.stdout!.on('end', () => out.end());
      child.stderr!.on('end', () => err.end());
    }
    const master: Master = {
      child, startedAt: Date.now(), ready: false, url: null, gracePeriod: 10_000, draining: false, fatal: null,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    child.on('message', (message: ToDaemon) => this.onMasterMessage(master, message));
    // A message sent to a master that is dying fails asynchronously (EPIPE, channel closed),
    // as an 'error' event: unheard, it would crash the daemon. Its exit is handled below.
    child.on('error', (err) => this.options.log.warn({ err, masterPid: child.pid }, 'a message to the master failed (it is exiting?)'));
    child.once('exit', (code, signal) => this.onMasterExit(master, code, signal));
    this.options.log.debug({ masterPid: child.pid }, 'master starting');
    return master;
  }

  private onMasterMessage(master: Master, message: ToDaemon): void {
    switch (message.t) {
      case 'listen':
        this.handOverSocket(master, message.host, message.port);
        return;
      case 'ready':
        master.ready = true;
        master.url = message.url;
        master.gracePeriod = message.gracePeriod;
        this.sendTo(master, { t: 'daemon', pid: process.pid, startedAt: this.startedAt, restarts: this.restarts });
        this.onMasterReady(master);
        return;
      case 'fatal':
        master.fatal = message.message;
        return;
      case 'stats':
        this.statsWaiters.get(message.id)?.(message.stats);
        this.statsWaiters.delete(message.id);
        return;
    }
  }

  /** Binds on first use, then gives every master its own descriptor of the same socket. */
  private handOverSocket(master: Master, host: string, port: number): void {
    if (!this.socket) {
      try {
        const bound = bindListenSocket(host, port);
        this.socket = { handle: bound.handle, host, port: bound.port };
      } catch (err) {
        this.sendTo(master, { t: 'listen-error', message: (err as Error).message });
        return;
      }
    } else if (this.socket.host !== host || (port !== 0 && port !== this.socket.port)) {
      this.options.log.warn({ host, port, bound: `${this.socket.host}:${this.socket.port}` }, 'the master asked for another address; it keeps the one bound at start (stop and start to change it)');
    }
    if (master.child.connected) master.child.send({ t: 'handle' } satisfies ToMaster, this.socket.handle as never);
  }

  private onMasterReady(master: Master): void {
    if (master !== this.master) return; // a reload candidate: reload() takes it from here
    const wasStarting = this.state === 'starting';
    this.state = 'online';
    this.error = null;
    this.options.log.info({ masterPid: master.child.pid, url: master.url }, wasStarting ? `online at ${master.url}` : 'master restarted and online');
    if (wasStarting) this.options.onStarted?.({ ok: true, url: master.url! });
  }

  private onMasterExit(master: Master, code: number | null, signal: NodeJS.Signals | null): void {
    this.lastExit = { code, signal, at: new Date().toISOString() };
    for (const resolve of this.statsWaiters.values()) resolve(undefined as never);
    this.statsWaiters.clear();
    if (master !== this.master) return; // an old master after a reload, or a failed candidate
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.state === 'stopping') return;
    if (!master.ready && this.state === 'starting') {
      // The very first master could not start: a broken app or bad options. Restarting would
      // fail the same way; report it instead.
      const message = master.fatal ?? `the master exited before it was ready (${how})`;
      // A master that knew why already printed it as one line; do not say it twice.
      (master.fatal ? this.options.log.debug : this.options.log.error)({ masterPid: master.child.pid, code, signal }, `start failed: ${message}`);
      this.options.onStarted?.({ ok: false, message });
      this.finish(1);
      return;
    }
    const uptime = Date.now() - master.startedAt;
    this.options.log.error({ masterPid: master.child.pid, code, signal, uptimeMs: uptime, reason: master.fatal ?? undefined }, `master died (${how})`);
    const decision = this.policy.onCrash(Date.now(), uptime);
    if (!decision.restart) {
      this.state = 'errored';
      this.error = `${decision.reason}; last: ${master.fatal ?? how}`;
      this.master = null;
      this.options.log.fatal({ reason: decision.reason }, `not restarting the master: ${this.error}`);
      // Foreground: exit non-zero so systemd or the container runtime sees it. Background:
      // stay up so that `gopool status` can say why; `gopool reload` tries again.
      if (!this.options.logFile) this.finish(1);
      return;
    }
    this.state = 'restarting';
    this.restarts++;
    this.options.log.warn({ delayMs: decision.delayMs, restarts: this.restarts }, `restarting the master in ${decision.delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state === 'restarting') this.master = this.spawnMaster();
    }, decision.delayMs);
  }

  private sendTo(master: Master, message: ToMaster): void {
    if (master.child.connected) master.child.send(message);
  }

  /** Asks a master to drain and waits for it to exit; kills it if it overstays its grace. */
  private async retire(master: Master): Promise<void> {
    if (master.child.exitCode !== null || master.child.signalCode !== null) return;
    master.draining = true;
    this.sendTo(master, { t: 'drain' });
    const killer = setTimeout(() => {
      this.options.log.error({ masterPid: master.child.pid }, 'the master overran its grace period; killing it');
      master.child.kill('SIGKILL');
    }, master.gracePeriod + KILL_MARGIN_MS);
    await master.exited;
    clearTimeout(killer);
  }

  // ---- commands ------------------------------------------------------------------------------

  /** Zero-downtime reload: a new master with freshly loaded code takes over before the old one drains. */
  reload(): Promise<ControlResponse> {
    if (this.reloading) return this.reloading;
    if (this.state === 'stopping' || this.state === 'starting') {
      return Promise.resolve({ ok: false, error: `cannot reload while ${this.state}` });
    }
    this.reloading = (async (): Promise<ControlResponse> => {
      const previousState = this.state;
      this.state = 'reloading';
      this.options.log.info({}, 'reload: starting a new master');
      if (this.restartTimer) {
        clearTimeout(this.restartTimer);
        this.restartTimer = null;
      }
      const old = this.master;
      const candidate = this.spawnMaster();
      const outcome = await this.waitReady(candidate);
      if (!outcome.ok) {
        this.options.log.error({ reason: outcome.message }, 'reload failed; the current master keeps serving');
        candidate.child.kill('SIGKILL');
        this.state = old ? previousState : 'errored';
        if (!old) this.error = `reload failed: ${outcome.message}`;
        return { ok: false, error: `reload failed: ${outcome.message}` };
      }
      this.master = candidate;
      this.policy.reset();
      this.state = 'online';
      this.error = null;
      this.options.log.info({ masterPid: candidate.child.pid, url: candidate.url }, 'reload: new master online, draining the old one');
      if (old) await this.retire(old);
      return { ok: true, message: `reloaded: master pid ${candidate.child.pid}` };
    })().finally(() => { this.reloading = null; });
    return this.reloading;
  }

  private waitReady(master: Master): Promise<{ ok: true } | { ok: false; message: string }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, message: `not ready within ${READY_TIMEOUT_MS / 1000} s` }), READY_TIMEOUT_MS);
      const onMessage = (message: ToDaemon): void => {
        if (message.t !== 'ready') return;
        clearTimeout(timer);
        master.child.off('message', onMessage);
        resolve({ ok: true });
      };
      master.child.on('message', onMessage);
      void master.exited.then(() => {
        clearTimeout(timer);
        resolve({ ok: false, message: master.fatal ?? `the new master exited (code ${master.child.exitCode}, signal ${master.child.signalCode})` });
      });
    });
  }

  /** Graceful stop: the master drains, then everything exits. A second call forces it. */
  stop(): Promise<number> {
    if (this.stopping) {
      this.options.log.warn({}, 'stop requested again: killing the master now');
      this.master?.child.kill('SIGKILL');
      this.finish(1);
      return this.stopping;
    }
    this.stopping = (async () => {
      this.state = 'stopping';
      this.options.log.info({}, 'stopping: draining the master');
      if (this.restartTimer) clearTimeout(this.restartTimer);
      if (this.master) await this.retire(this.master);
      this.options.log.info({}, 'stopped');
      this.finish(0);
      return 0;
    })();
    return this.stopping;
  }

  private finish(code: number): void {
    this.releaseInstance();
    this.socket?.handle.close();
    this.socket = null;
    this.finished(code);
  }

  private installSignals(): void {
    process.on('SIGTERM', () => void this.stop());
    process.on('SIGINT', () => void this.stop());
    process.on('SIGHUP', () => void this.reload());
  }

  private async onControl(request: ControlRequest): Promise<ControlResponse> {
    switch (request.cmd) {
      case 'status':
        return { ok: true, status: await this.status() };
      case 'reload':
        return this.reload();
      case 'stop':
        // Answer first, then stop: the client learns the stop began; it watches the pid to see it end.
        setImmediate(() => void this.stop());
        return { ok: true, message: `stopping ${this.options.name}` };
      default:
        return { ok: false, error: `unknown command ${JSON.stringify((request as { cmd?: unknown }).cmd)}` };
    }
  }

  private async status(): Promise<InstanceStatus> {
    const master = this.master;
    let stats: MasterStats | null = null;
    if (master?.ready && master.child.connected) {
      const id = this.nextStatsId++;
      stats = await new Promise<MasterStats | null>((resolve) => {
        const timer = setTimeout(() => { this.statsWaiters.delete(id); resolve(null); }, 2000);
        this.statsWaiters.set(id, (value) => { clearTimeout(timer); resolve(value ?? null); });
        this.sendTo(master, { t: 'stats?', id });
      });
    }
    return {
      name: this.options.name,
      state: this.state,
      appFile: this.options.appFile,
      url: master?.url ?? null,
      daemon: { pid: process.pid, uptimeMs: Date.now() - this.startedAt, rssBytes: process.memoryUsage.rss(), privateBytes: privateMemory() },
      masterPid: master?.child.pid ?? null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      error: this.error,
      master: stats,
    };
  }
}

/** Memory only this process uses (RssAnon): the Node binary's pages are shared with the master. */
function privateMemory(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(status.match(/RssAnon:\s+(\d+)/)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
