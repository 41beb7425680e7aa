import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ROOT, type Running, run, tempDir } from './processes';

/** What a Dockerfile says about the container it makes. */
export interface Image {
  env: Record<string, string>;
  workdir: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  stopSignal: string | undefined;
}

/** Reads ENV, WORKDIR, USER, ENTRYPOINT, CMD (exec form) and STOPSIGNAL of a Dockerfile. */
export function readDockerfile(path: string): Image {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const image: Image = { env: {}, workdir: '/', user: 'root', entrypoint: [], cmd: [], stopSignal: undefined };
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, instruction, rest] = match as unknown as [string, string, string];
    if (instruction === 'ENV') {
      for (const pair of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) image.env[pair[1]!] = pair[3] ?? pair[2]!;
    } else if (instruction === 'WORKDIR') image.workdir = rest.trim();
    else if (instruction === 'USER') image.user = rest.trim();
    else if (instruction === 'STOPSIGNAL') image.stopSignal = rest.trim();
    else if (instruction === 'ENTRYPOINT' || instruction === 'CMD') {
      const value = JSON.parse(rest) as string[]; // exec form only: a shell would be PID 1 instead
      if (instruction === 'ENTRYPOINT') image.entrypoint = value;
      else image.cmd = value;
    }
  }
  return image;
}

/**
 * The folder the image's WORKDIR would hold, readable by every user whatever the permissions
 * of the checkout (one under a 0700 folder, as `mktemp -d` makes, is closed to the container's
 * unprivileged user): `node_modules/gopool` (this checkout's package.json and dist/), the
 * packages it depends on (the checkout's node_modules, hard-linked where the file system
 * allows), the test fixtures with `app.js` requiring the one named, and
 * `node_modules/.bin/gopool` (exec keeps the process, as npm's symlink does).
 */
export function makeAppDir(fixture: string): string {
  const dir = tempDir('gopool-image-');
  chmodSync(dir, 0o755);
  const modules = join(dir, 'node_modules');
  try {
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), modules], { stdio: 'ignore' });
  } catch {
    rmSync(modules, { recursive: true, force: true });
    execFileSync('cp', ['-a', join(ROOT, 'node_modules'), modules], { stdio: 'ignore' });
  }
  const pkg = join(modules, 'gopool');
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg, { mode: 0o755 });
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  execFileSync('cp', ['-a', join(ROOT, 'dist'), join(pkg, 'dist')], { stdio: 'ignore' });
  execFileSync('cp', ['-a', dirname(fixture), join(dir, 'fixtures')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'app.js'), `module.exports = require('./fixtures/${basename(fixture)}');\n`, { mode: 0o644 });
  const bin = join(modules, '.bin', 'gopool');
  mkdirSync(dirname(bin), { recursive: true, mode: 0o755 });
  rmSync(bin, { force: true }); // a hard link would be written through
  writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(pkg, 'dist', 'cli', 'main.js'))} "$@"\n`, { mode: 0o755 });
  return dir;
}

/** A folder owned by `uid`, for a GOPOOL_HOME inside it. */
export function homeFor(uid: number): string {
  const dir = tempDir('gopool-container-home-');
  chownSync(dir, uid, uid);
  return dir;
}

/**
 * PID 1 of each namespace still running. unshare's --kill-child does not reach it: the kernel
 * forgets a parent-death signal when setpriv changes the user. So it is killed here if the
 * test process ends first; with it go all the namespace's processes.
 */
const liveInits = new Set<number>();
process.on('exit', () => {
  for (const pid of liveInits) signal(pid, 'SIGKILL');
});

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

export interface Pid1 extends Running {
  /** The host's pid of the namespace's PID 1. */
  initPid: number;
}

/**
 * Runs `command` as PID 1 of a new PID namespace (with its own /proc), as user `uid`, in
 * `cwd`, as a container runtime would. unshare stays outside as its parent.
 */
export async function runAsPid1(command: string[], { cwd, env, uid }: { cwd: string; env: NodeJS.ProcessEnv; uid: number }): Promise<Pid1> {
  const running = run('unshare', ['--pid', '--fork', '--mount-proc', 'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...command], {
    cwd,
    env,
  });
  const initPid = await waitFor(() => processes().find((p) => p.ppid === running.child.pid)?.pid);
  liveInits.add(initPid);
  void running.exited.then(() => liveInits.delete(initPid));
  return {
    ...running,
    initPid,
    // As a container runtime stops a container: SIGTERM to its PID 1 (unshare would not pass
    // it on), SIGKILL after `ms` (PID 1's death takes the whole namespace down).
    async stop(ms = 15_000) {
      if (running.child.exitCode === null && running.child.signalCode === null) signal(initPid, 'SIGTERM');
      const timer = setTimeout(() => signal(initPid, 'SIGKILL'), ms);
      const exit = await running.exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

export interface Proc {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie), ... */
  state: string;
  comm: string;
  uid: number;
}

/** Every process of the host, from /proc. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      out.push({ pid: Number(entry), ppid: Number(ppid), state: state!, comm: stat.slice(stat.indexOf('(') + 1, close), uid });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `init` and every process below it. */
export function tree(init: number): Proc[] {
  const all = processes();
  const found = all.filter((p) => p.pid === init);
  for (let i = 0; i < found.length; i++) for (const p of all) if (p.ppid === found[i]!.pid) found.push(p);
  return found;
}

/** Polls `check` every 25 ms until it returns a value; fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
