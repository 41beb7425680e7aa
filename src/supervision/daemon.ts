import { dirname } from 'node:path';
import type { ControlRequest, ControlResponse, InstanceStatus } from './control-protocol';
import type { DaemonLog } from './daemon-log';
import { type DaemonLaunch, type DaemonSettings, resolveSettings, restartOnlyChanges } from './daemon-settings';
import { DaemonStateMachine } from './daemon-state';
import { InstanceFiles } from './instance-files';
import type { StartOutcome, ToDaemon } from './ipc';
import { DaemonSocket } from './listen-socket';
import type { RotatingLogFile } from './log-file';
import { MasterProcess } from './master-process';
import { MasterStatsRequests } from './master-stats';
import { privateMemory } from './proc-memory';
import { exitCause, RestartPolicy } from './restart-policy';
import { sdNotify } from './sd-notify';
import { watchAndReload } from './watch-app';

export interface DaemonOptions {
  launch: DaemonLaunch;
  settings: DaemonSettings;
  log: DaemonLog;
  /** Background mode: the masters' output goes to this file instead of the daemon's stdout. */
  logFile?: RotatingLogFile;
  /** Called once: the first master is ready, or the start failed (with why). */
  onStarted?: (outcome: StartOutcome) => void;
}

/**
 * The supervisor. It runs no user code: it owns the listening socket, starts the master,
 * restarts it with backoff when it dies, reloads it without dropping a request, stops it
 * gracefully, and answers `gopool status | stop | reload` on its control socket. Its states
 * are in daemon-state.ts; the master process, the socket, the instance's files, the restart
 * policy and the stats questions each in a file of their own.
 */
export class Daemon {
  private readonly machine = new DaemonStateMachine();
  private master: MasterProcess | null = null;
  private readonly socket = new DaemonSocket();
  private readonly policy = new RestartPolicy();
  private readonly files: InstanceFiles;
  private readonly stats = new MasterStatsRequests();
  private settings: DaemonSettings;
  private restarts = 0;
  private lastExit: InstanceStatus['lastExit'] = null;
  private readonly startedAt = Date.now();
  private restartTimer: NodeJS.Timeout | null = null;
  private reloading: Promise<ControlResponse> | null = null;
  private stopping: Promise<number> | null = null;
  private watcher: { close(): void } | null = null;
  private finished!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => {
    this.finished = resolve;
  });

  constructor(private readonly options: DaemonOptions) {
    this.settings = options.settings;
    this.files = new InstanceFiles(options.settings.name);
  }

  private get log(): DaemonLog {
    return this.options.log;
  }

  /** Runs until stopped; resolves with the exit code for the daemon process. */
  async run(): Promise<number> {
    await this.files.claim((request) => this.onControl(request));
    this.installSignals();
    this.master = this.spawnMaster();
    this.applyWatch();
    return this.done;
  }

  // ---- masters ------------------------------------------------------------------------------

  private spawnMaster(): MasterProcess {
    const master = new MasterProcess(
      {
        spec: this.settings.masterSpec,
        env: this.settings.masterEnv,
        execArgv: this.settings.masterExecArgv,
        log: this.log,
        ...(this.options.logFile ? { logFile: this.options.logFile } : {}),
      },
      (m, message) => this.onMasterMessage(m, message),
      (m, code, signal) => this.onMasterExit(m, code, signal),
    );
    this.log.debug({ masterPid: master.pid }, 'master starting');
    return master;
  }

  private onMasterMessage(master: MasterProcess, message: ToDaemon): void {
    switch (message.t) {
      case 'listen':
        this.handOverSocket(master, message.host, message.port);
        return;
      case 'ready':
        master.send({ t: 'daemon', pid: process.pid, startedAt: this.startedAt, restarts: this.restarts });
        this.onMasterReady(master);
        return;
      case 'fatal':
        return;
      case 'stats':
        this.stats.answer(message.id, message.stats);
        return;
    }
  }

  /** Binds on first use, then gives every master its own descriptor of the same socket. */
  private handOverSocket(master: MasterProcess, host: string, port: number): void {
    let given: ReturnType<DaemonSocket['handleFor']>;
    try {
      given = this.socket.handleFor(host, port);
    } catch (err) {
      master.send({ t: 'listen-error', code: (err as { code?: string }).code ?? 'GOPOOL_ERR_LISTEN', message: (err as Error).message });
      return;
    }
    if (given.moved) {
      const bound = this.socket.address!;
      this.log.warn(
        { host, port, bound: `${bound.host}:${bound.port}` },
        'the master asked for another address; it keeps the one bound at start (stop and start to change it)',
      );
    }
    master.send({ t: 'handle' }, given.handle);
  }

  private onMasterReady(master: MasterProcess): void {
    if (master !== this.master) return; // a reload candidate: reload() takes it from here
    // A stop asked for while the master was still starting: it drains as soon as it can; its ready changes nothing.
    if (this.machine.is('stopping')) return;
    const wasStarting = this.machine.is('starting');
    this.machine.to('online');
    this.log.info({ masterPid: master.pid, url: master.url }, wasStarting ? `online at ${master.url}` : 'master restarted and online');
    if (wasStarting) {
      this.options.onStarted?.({ ok: true, url: master.url! });
      sdNotify({ READY: '1', STATUS: `online at ${master.url}` }, (m) => this.log.warn({}, m));
    }
  }

  private onMasterExit(master: MasterProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.lastExit = { code, signal, at: new Date().toISOString() };
    this.stats.abandon();
    if (master !== this.master) return; // an old master after a reload, or a failed candidate
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.machine.is('stopping')) return;
    if (!master.ready && this.machine.is('starting')) {
      // The very first master could not start: a broken app or bad options. Restarting would
      // fail the same way; report it instead.
      const message = master.fatal ?? `the master exited before it was ready (${how})`;
      // A master that knew why already printed it as one line; do not say it twice.
      (master.fatal ? this.log.debug : this.log.error)({ masterPid: master.pid, code, signal }, `start failed: ${message}`);
      this.options.onStarted?.({ ok: false, message });
      void this.finish(1);
      return;
    }
    const uptime = Date.now() - master.startedAt;
    const cause = exitCause(signal, master.killedByDaemon);
    this.log.error({ masterPid: master.pid, code, signal, uptimeMs: uptime, reason: master.fatal ?? undefined, cause }, `master died (${how})`);
    const decision = this.policy.onExit(Date.now(), uptime, cause);
    if (!decision.restart) {
      this.master = null;
      this.giveUp(`${decision.reason}; last: ${master.fatal ?? how}`, decision.reason);
      return;
    }
    this.machine.to('restarting');
    this.restarts++;
    this.log.warn({ delayMs: decision.delayMs, restarts: this.restarts, cause }, `restarting the master in ${decision.delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.machine.is('restarting')) this.master = this.spawnMaster();
    }, decision.delayMs);
  }

  /**
   * No master will serve: close the listening socket, so that clients and load balancers are
   * refused at once instead of waiting in a backlog that nobody accepts from.
   */
  private giveUp(error: string, reason: string): void {
    const closed = this.socket.close();
    this.machine.to('errored', closed || !this.socket.address ? `${error}; listening socket closed, connections are refused` : error);
    this.log.fatal({ reason, socketClosed: closed }, `not restarting the master: ${this.machine.error}`);
    // Foreground: exit non-zero so systemd or the container runtime sees it. Background:
    // stay up so that `gopool status` can say why; `gopool reload` tries again.
    if (!this.options.logFile) void this.finish(1);
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * Zero-downtime reload: the config file is read again, and a new master with freshly loaded
   * code takes over before the old one drains.
   */
  reload(why = 'reload'): Promise<ControlResponse> {
    if (this.reloading) return this.reloading;
    if (this.machine.is('stopping', 'starting')) {
      return Promise.resolve({ ok: false, error: `cannot reload while ${this.machine.state}` });
    }
    this.reloading = (async (): Promise<ControlResponse> => {
      const previousState = this.machine.state;
      const previousError = this.machine.error;
      this.machine.to('reloading');
      this.log.info({ why }, 'reload: starting a new master');
      if (this.restartTimer) {
        clearTimeout(this.restartTimer);
        this.restartTimer = null;
      }
      let next: DaemonSettings;
      try {
        next = await this.rereadSettings();
      } catch (err) {
        const message = (err as Error).message;
        this.log.error({ reason: message }, 'reload failed; the current master keeps serving');
        this.machine.to(previousState, previousError);
        return { ok: false, error: `reload failed: ${message}` };
      }
      const old = this.master;
      const previousSettings = this.settings;
      this.settings = next;
      const candidate = this.spawnMaster();
      const outcome = await candidate.waitReady();
      if (!outcome.ok) {
        this.log.error({ reason: outcome.message }, 'reload failed; the current master keeps serving');
        candidate.kill();
        this.settings = previousSettings;
        if (old) this.machine.to(previousState, previousError);
        else this.giveUp(`reload failed: ${outcome.message}`, 'reload failed');
        return { ok: false, error: `reload failed: ${outcome.message}` };
      }
      this.master = candidate;
      this.policy.reset();
      this.machine.to('online');
      this.log.setLevel(next.options.logLevel);
      this.applyWatch();
      this.log.info({ masterPid: candidate.pid, url: candidate.url }, 'reload: new master online, draining the old one');
      if (old) await old.retire(this.log);
      const pending = restartOnlyChanges(this.options.settings.options, next.options);
      const note = pending.length > 0 ? `; changed, but only a stop and start applies them: ${pending.join(', ')}` : '';
      if (note) this.log.warn({ options: pending }, `reload: these options need a full restart: ${pending.join(', ')}`);
      return { ok: true, message: `reloaded: master pid ${candidate.pid}${note}` };
    })().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /** The launch read again (the config file above all); what needs a restart keeps its value. */
  private async rereadSettings(): Promise<DaemonSettings> {
    const next = await resolveSettings(this.options.launch);
    const started = this.options.settings;
    return {
      ...next,
      name: started.name,
      masterSpec: { ...next.masterSpec, cli: { ...next.masterSpec.cli, name: started.name } },
    };
  }

  /** Starts or stops watching the app's folder, as the `watch` option says. */
  private applyWatch(): void {
    const wanted = this.settings.options.watch;
    if (!wanted) {
      this.watcher?.close();
      this.watcher = null;
      return;
    }
    if (this.watcher) return;
    const folder = dirname(this.settings.appFile);
    const config = this.settings.config?.file;
    const extra = config && !config.startsWith(`${folder}/`) ? [dirname(config)] : [];
    this.watcher = watchAndReload(
      { app: folder, extra },
      (why) => this.reload(why),
      () => this.reloading !== null,
      this.log,
    );
  }

  /** Graceful stop: the master drains, then everything exits. A second call forces it. */
  stop(): Promise<number> {
    if (this.stopping) {
      this.log.warn({}, 'stop requested again: killing the master now');
      this.master?.kill();
      void this.finish(1);
      return this.stopping;
    }
    this.stopping = (async () => {
      this.machine.to('stopping');
      sdNotify({ STOPPING: '1' }, (m) => this.log.warn({}, m));
      // New connections are refused from now on instead of queueing behind the drain: the
      // master closes its own descriptor when it starts draining, this is the daemon's.
      this.socket.close();
      this.watcher?.close();
      this.log.info({}, 'stopping: draining the master');
      if (this.restartTimer) clearTimeout(this.restartTimer);
      if (this.master) await this.master.retire(this.log);
      this.log.info({}, 'stopped');
      await this.finish(0);
      return 0;
    })();
    return this.stopping;
  }

  private ended = false;

  private async finish(code: number): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.watcher?.close();
    this.files.release();
    this.socket.close();
    this.finished(code);
  }

  private installSignals(): void {
    process.on('SIGTERM', () => void this.stop());
    process.on('SIGINT', () => void this.stop());
    process.on('SIGHUP', () => void this.reload('SIGHUP'));
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
        return { ok: true, message: `stopping ${this.settings.name}` };
      default:
        return { ok: false, error: `unknown command ${JSON.stringify((request as { cmd?: unknown }).cmd)}` };
    }
  }

  private async status(): Promise<InstanceStatus> {
    const master = this.master;
    const stats = await this.stats.ask(master);
    const address = this.socket.address;
    return {
      name: this.settings.name,
      state: this.machine.state,
      appFile: this.settings.appFile,
      url: master?.url ?? null,
      listening: address ? `${address.host}:${address.port}` : null,
      daemon: { pid: process.pid, uptimeMs: Date.now() - this.startedAt, rssBytes: process.memoryUsage.rss(), privateBytes: privateMemory() },
      masterPid: master?.pid ?? null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      error: this.machine.error,
      master: stats,
    };
  }
}
