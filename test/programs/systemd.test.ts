// `gopool startup systemd` against systemd's own tools: the units it writes pass
// `systemd-analyze verify` (system and user), and the daemon's sd_notify messages reach a real
// unix datagram socket, as systemd's NOTIFY_SOCKET would receive them. Node has no unix
// datagram sockets, so the receiving end is a few lines of python3.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { get } from '../helpers/http';
import { CLI, FIXTURES, run, runToEnd, tempDir, tempHome, whenListening } from '../helpers/processes';

const APP = join(FIXTURES, 'pool-app.js');

async function verify(unit: string, { user }: { user: boolean }): Promise<{ code: number | null; output: string }> {
  const dir = tempDir('gopool-unit-');
  const file = join(dir, 'gopool-api.service');
  writeFileSync(file, unit);
  const runtime = tempDir('gopool-xdg-'); // a user manager needs a runtime folder
  return runToEnd('systemd-analyze', [...(user ? ['--user'] : []), 'verify', file], { env: { XDG_RUNTIME_DIR: runtime } });
}

describe('systemd unit', () => {
  test('the system unit passes systemd-analyze verify', async () => {
    const unit = await runToEnd(process.execPath, [CLI, 'startup', 'systemd', APP, '--name', 'api', '--port', '8080', '--grace-period', '20000']);
    assert.equal(unit.code, 0, unit.output);
    assert.match(unit.output, /^TimeoutStopSec=30$/m, 'above the grace period');
    const result = await verify(`${unit.output}\n`, { user: false });
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), '', 'no warning either');
  });

  test('the user unit passes systemd-analyze --user verify', async () => {
    const unit = await runToEnd(process.execPath, [CLI, 'startup', 'systemd', APP, '--user', '--name', 'api'], { env: { GOPOOL_HOME: '/srv/gopool home' } });
    assert.equal(unit.code, 0, unit.output);
    assert.match(unit.output, /^Environment="GOPOOL_HOME=\/srv\/gopool home"$/m);
    const result = await verify(`${unit.output}\n`, { user: true });
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), '');
  });

  test('a broken unit fails the same check (the check is real)', async () => {
    const unit = await runToEnd(process.execPath, [CLI, 'startup', 'systemd', APP, '--name', 'api']);
    const result = await verify(`${unit.output.replace('Type=notify', 'Type=bogus')}\n`, { user: false });
    assert.match(result.output, /Failed to parse service type/);
  });
});

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data = s.recv(4096)
    print(data.decode().replace("\\n", " "), flush=True)
`;

describe('sd_notify', () => {
  test('READY=1 once the app serves, STOPPING=1 when a stop begins, on a real datagram socket', async () => {
    const dir = tempDir('gopool-notify-');
    const socketPath = join(dir, 'notify');
    const receiver = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const messages: string[] = [];
    let bound!: () => void;
    const ready = new Promise<void>((resolve) => {
      bound = resolve;
    });
    receiver.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        if (line === 'bound') bound();
        else messages.push(line);
      }
    });
    try {
      await ready;
      const app = await whenListening(
        run(process.execPath, [CLI, 'start', APP, '--port', '0', '--name', 'notified'], { env: { GOPOOL_HOME: tempHome(), NOTIFY_SOCKET: socketPath } }),
      );
      try {
        await app.waitForLine((line) => line.includes('"msg":"online at'));
        await waitFor(() => messages.some((m) => m.includes('READY=1')));
        assert.equal((await get(`${app.url}/thread`)).status, 200, 'serving when READY=1 came');
        assert.ok(messages.some((m) => /STATUS=online at http:\/\/127\.0\.0\.1:\d+/.test(m)));
        assert.ok(!messages.some((m) => m.includes('STOPPING=1')));
      } finally {
        await app.stop();
      }
      await waitFor(() => messages.some((m) => m.includes('STOPPING=1')));
    } finally {
      receiver.kill('SIGKILL');
    }
  });
});

/** Waits for a condition on messages that arrive from another process; bounded. */
async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); ) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
