import { ERR_COMMAND_FAILED } from '../../errors';
import type { InstanceStatus } from '../../supervision/control-protocol';
import { control, pickInstance } from '../instances';
import { duration, mb } from './manage';

const BAR = 24;

/**
 * A live terminal view of one instance, refreshed every second over the control channel:
 * state, throughput, latency, the pool, a utilization bar per thread, a line per route.
 * q or Ctrl-C quits.
 */
export async function monitCommand(name: string | undefined): Promise<void> {
  const target = pickInstance(name);
  const tty = process.stdout.isTTY === true;
  let quit!: () => void;
  const quitting = new Promise<void>((resolve) => {
    quit = resolve;
  });
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', (key: Buffer) => {
    const k = key.toString();
    if (k.includes('q') || k.includes('\u0003')) quit();
  });
  process.stdin.on('end', quit);
  process.on('SIGINT', quit);
  if (tty) process.stdout.write('\u001b[?25l'); // hide the cursor
  try {
    let stop = false;
    void quitting.then(() => {
      stop = true;
    });
    while (!stop) {
      const response = await control(target, { cmd: 'status' });
      if (!response.ok || !response.status) throw new ERR_COMMAND_FAILED(response.ok ? 'no status' : response.error);
      process.stdout.write((tty ? '\u001b[H\u001b[2J' : '') + render(response.status) + (tty ? '' : '\n'));
      await Promise.race([quitting, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
  } finally {
    if (tty) process.stdout.write('\u001b[?25h\n');
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}

export function render(s: InstanceStatus): string {
  const lines: string[] = [];
  const m = s.master;
  lines.push(
    `gopool monit · ${s.name} · ${s.state}${s.error ? ` (${s.error})` : ''} · master pid ${s.masterPid ?? '-'} · up ${m ? duration(m.uptimeMs) : '-'} · restarts ${s.restarts} · daemon ${mb(s.daemon.privateBytes)} own   (q to quit)`,
  );
  if (!m) return `${lines.join('\n')}\n(no master running)\n`;
  lines.push(
    `requests ${m.total.rps.toFixed(1)}/s   p50 ${m.total.latencyMs.p50.toFixed(2)} ms   p99 ${m.total.latencyMs.p99.toFixed(2)} ms   master RSS ${mb(m.master.rssBytes)}   event-loop delay p99 ${m.master.eventLoopDelayP99Ms.toFixed(1)} ms   master busy ${pct(m.master.eventLoopUtilization)}`,
  );
  if (m.pool) {
    const p = m.pool;
    lines.push(
      `pool     threads ${p.threads}/${p.maxThreads} (min ${p.minThreads})   busy ${p.busyThreads}   queue ${p.queued}   wait p99 ${p.waitMs.p99.toFixed(2)} ms   run p99 ${p.runMs.p99.toFixed(2)} ms`,
    );
    lines.push(`         completed ${p.completed}   failed ${p.failed}   timed out ${p.timedOut}   rejected ${p.rejected}   replaced ${p.threadsReplaced}`);
    lines.push('', `  ${'thread'.padEnd(9)}${'busy (event loop)'.padEnd(BAR + 8)}${'running'.padEnd(9)}heap`);
    for (const t of m.threads) {
      const filled = Math.round(Math.min(1, t.utilization) * BAR);
      lines.push(
        `  ${`#${t.threadId}`.padEnd(9)}${'█'.repeat(filled)}${'░'.repeat(BAR - filled)} ${pct(t.utilization).padStart(5)}  ${String(t.running).padEnd(9)}${mb(t.heapUsedBytes)}${t.state === 'ready' ? '' : ` (${t.state})`}`,
      );
    }
    if (m.threads.length === 0) lines.push('  (no thread: idle threads retired)');
  }
  lines.push(
    '',
    `  ${'route'.padEnd(28)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'2xx'.padStart(9)}${'4xx'.padStart(7)}${'5xx'.padStart(7)}`,
  );
  for (const r of m.routes) {
    lines.push(
      `  ${`${r.method} ${r.route}`.padEnd(28)}${r.rps.toFixed(1).padStart(9)}${r.latencyMs.p50.toFixed(2).padStart(9)}${r.latencyMs.p99.toFixed(2).padStart(9)}${String(r.status['2xx']).padStart(9)}${String(r.status['4xx']).padStart(7)}${String(r.status['5xx']).padStart(7)}`,
    );
  }
  if (m.routes.length === 0) lines.push('  (no request yet)');
  return `${lines.join('\n')}\n`;
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
