import { execFile } from 'node:child_process';

/**
 * Tells systemd about the service's state (sd_notify(3)) when it started us with
 * Type=notify: READY=1 once the first master serves, STOPPING=1 when a stop begins.
 * Node has no unix datagram sockets and the npm packages for it are native addons, so the
 * message goes through systemd's own `systemd-notify`, which waits until systemd has read it
 * (the unit sets NotifyAccess=all, since the sender is our child). Outside systemd
 * (no NOTIFY_SOCKET) this does nothing.
 */
export function sdNotify(fields: Record<string, string>, log: (message: string) => void, env = process.env): void {
  if (!env.NOTIFY_SOCKET) return;
  const args: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'READY' && value === '1') args.push('--ready');
    else if (key === 'STATUS') args.push(`--status=${value}`);
    else args.push(`${key}=${value}`);
  }
  execFile('systemd-notify', args, { env, timeout: 10_000 }, (err) => {
    if (err) log(`systemd-notify ${args.join(' ')} failed: ${err.message}`);
  });
}
