import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** Every process a test starts; killed when the test process exits, whatever happened. */
const live = new Set<ChildProcess>();
/** Every folder made for a test (tempDir, tempHome): removed when the test process exits, after its processes. */
const folders = new Set<string>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  lines: string[];
  /** Resolves with the first line (past or future) that matches, or rejects after `ms`. */
  waitForLine(match: (line: string) => boolean, ms?: number): Promise<string>;
  exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL if it has not exited within `ms`. */
  stop(ms?: number): Promise<Exit>;
}

/** A fresh GOPOOL_HOME: instances of parallel tests never see each other. */
export function tempHome(): string {
  return tempDir('gopool-test-');
}

/** A new folder in the system's temporary one, named `prefix` and a random tail: removed when the test process exits. */
export function tempDir(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.add(folder);
  return folder;
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Running {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NODE_ENV: 'test', GOPOOL_HOME: tempHome(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  const onData = (buffered: { rest: string }) => (chunk: Buffer) => {
    const text = buffered.rest + chunk.toString('utf8');
    const parts = text.split('\n');
    buffered.rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (process.env.GOPOOL_TEST_VERBOSE) process.stderr.write(`  | ${line}\n`);
      for (const waiter of waiters)
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
    }
  };
  child.stdout!.on('data', onData({ rest: '' }));
  child.stderr!.on('data', onData({ rest: '' }));
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    lines,
    exited,
    waitForLine(match, ms = 20_000) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching line within ${ms} ms; output so far:\n${lines.join('\n')}`));
        }, ms);
        waiters.add(waiter);
        void exited.then(() =>
          setImmediate(() => {
            if (!waiters.has(waiter)) return;
            waiters.delete(waiter);
            clearTimeout(timer);
            reject(new Error(`process exited before a matching line; output:\n${lines.join('\n')}`));
          }),
        );
      });
    },
    async stop(ms = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Runs a command to completion (bounded) and returns its exit and output. */
export async function runToEnd(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ms?: number } = {},
): Promise<Exit & { output: string }> {
  const running = run(command, args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.ms ?? 30_000);
  const exit = await running.exited;
  clearTimeout(timer);
  // Let the last 'data' events land.
  await new Promise((resolve) => setImmediate(resolve));
  return { ...exit, output: running.lines.join('\n') };
}

export interface App extends Running {
  url: string;
}

function listeningUrl(line: string): string | undefined {
  try {
    const record = JSON.parse(line) as { url?: string; msg?: string };
    return record.msg?.includes(' listening on ') ? record.url : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the "listening on" log line of a started gopool process and returns its URL. */
export async function whenListening(running: Running): Promise<App> {
  const line = await running.waitForLine((l) => listeningUrl(l) !== undefined);
  return { ...running, url: listeningUrl(line)! };
}

/** `gopool start <file> --port 0 ...` in the foreground. */
export function startApp(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<App> {
  return whenListening(run(process.execPath, [CLI, 'start', file, '--port', '0', ...args], { env }));
}

/** Parses the JSON log lines of a process (non-JSON lines are skipped). */
export function logRecords(lines: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null) out.push(parsed as Record<string, unknown>);
    } catch {
      // not a log record
    }
  }
  return out;
}
