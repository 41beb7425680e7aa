import { ERR_COMMAND_FAILED, ERR_STOP_TIMEOUT } from '../../errors';
import type { InstanceStatus } from '../../supervision/control-protocol';
import { control, instanceNames, pickInstance } from '../instances';

export async function stopCommand(name: string | undefined): Promise<void> {
  const target = pickInstance(name);
  const before = await control(target, { cmd: 'status' });
  const pid = before.ok ? before.status?.daemon.pid : undefined;
  const response = await control(target, { cmd: 'stop' });
  if (!response.ok) throw new ERR_COMMAND_FAILED(response.error);
  // The stop drains in-flight requests first; wait for the daemon to be gone.
  if (pid !== undefined) await waitForExit(pid, 120_000);
  process.stdout.write(`gopool: ${target} stopped\n`);
}

export async function reloadCommand(name: string | undefined): Promise<void> {
  const target = pickInstance(name);
  const response = await control(target, { cmd: 'reload' });
  if (!response.ok) throw new ERR_COMMAND_FAILED(response.error);
  process.stdout.write(`gopool: ${target} ${response.message ?? 'reloaded'}\n`);
}

export async function statusCommand(name: string | undefined, json: boolean): Promise<void> {
  const names = name ? [name] : instanceNames();
  const statuses: Array<InstanceStatus | { name: string; state: string; error: string }> = [];
  for (const n of names) {
    try {
      const response = await control(n, { cmd: 'status' });
      statuses.push(response.ok && response.status ? response.status : { name: n, state: 'unknown', error: response.ok ? 'no status' : response.error });
    } catch (err) {
      statuses.push({ name: n, state: 'not running', error: (err as Error).message });
    }
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
    return;
  }
  if (statuses.length === 0) {
    process.stdout.write('gopool: no instance is running\n');
    return;
  }
  const rows = statuses.map((s) => ('daemon' in s ? row(s) : [s.name, s.state, '-', '-', '-', '-', '-', '-', '-', '-', '-', s.error]));
  printTable(['name', 'state', 'pid', 'uptime', 'restarts', 'threads', 'queue', 'req/s', 'p99', 'memory', 'daemon', 'url'], rows);
}

function row(s: InstanceStatus): string[] {
  const m = s.master;
  const pool = m?.pool;
  return [
    s.name,
    s.state + (s.error ? ` (${s.error})` : ''),
    String(s.masterPid ?? '-'),
    m ? duration(m.uptimeMs) : '-',
    String(s.restarts),
    pool ? `${pool.threads}/${pool.maxThreads}` : m ? 'single' : '-',
    pool ? String(pool.queued) : '-',
    m ? m.total.rps.toFixed(1) : '-',
    m ? `${m.total.latencyMs.p99.toFixed(1)} ms` : '-',
    m ? mb(m.master.rssBytes) : '-',
    `${mb(s.daemon.rssBytes)} (${mb(s.daemon.privateBytes)} own)`,
    s.url ?? '-',
  ];
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

async function waitForExit(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new ERR_STOP_TIMEOUT(pid, ms / 1000);
}
