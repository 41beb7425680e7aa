// deploy/Dockerfile without a container engine: its ENTRYPOINT and CMD, with its ENV, run as
// PID 1 of a new PID namespace (unshare) as an unprivileged user (setpriv), which is what a
// container runtime does with them. What must hold: SIGTERM to PID 1 stops gopool gracefully
// (a request in flight is answered, exit code 0), and an orphaned process is reaped, not left
// a zombie. The same command line without tini shows why tini is there.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { homeFor, makeAppDir, type Pid1, processes, readDockerfile, removeDir, runAsPid1, tree, waitFor } from '../helpers/container';
import { get } from '../helpers/http';
import { freePort } from '../helpers/ports';
import { FIXTURES, ROOT, whenListening } from '../helpers/processes';

/** An unprivileged user of this machine, standing in for the image's "node" user. */
const UID = 65534;
const image = readDockerfile(join(ROOT, 'deploy', 'Dockerfile'));

test('the Dockerfile: non-root user, tini as PID 1, exec-form command, SIGTERM as stop signal', () => {
  assert.notEqual(image.user, 'root');
  assert.notEqual(image.user, '0');
  assert.deepEqual(image.entrypoint, ['/usr/bin/tini', '--']);
  assert.equal(image.cmd[0], 'node_modules/.bin/gopool');
  assert.equal(image.cmd[1], 'start');
  assert.equal(image.stopSignal, 'SIGTERM');
  assert.equal(image.env.GOPOOL_HOST, '0.0.0.0');
});

async function startContainer(command: string[]): Promise<{ app: Pid1; url: string; appDir: string; home: string }> {
  const appDir = makeAppDir(join(FIXTURES, 'container-app.js'));
  const home = homeFor(UID);
  // As `docker run -e`: the image's environment, with the ports and hosts of this test.
  const env = {
    ...image.env,
    GOPOOL_HOST: '127.0.0.1',
    GOPOOL_PORT: String(await freePort()),
    GOPOOL_MONITOR_HOST: '127.0.0.1',
    GOPOOL_MONITOR_PORT: String(await freePort()),
    GOPOOL_HOME: join(home, 'gopool'),
  };
  const app = await runAsPid1(command, { cwd: appDir, env, uid: UID });
  const { url } = await whenListening(app);
  return { app, url, appDir, home };
}

/** How long an exited orphan may stay a zombie before PID 1 counts as not reaping it. */
const REAP_WITHIN_MS = 3000;

/**
 * An orphan (a `sleep` whose parent shell exited) is re-parented to PID 1; resolves with what
 * became of it once it has ended: reaped (gone), or still a zombie `REAP_WITHIN_MS` after it
 * exited. Every process is a zombie for the instant between its exit and its parent's wait().
 */
async function orphanFate(url: string, init: number): Promise<'reaped' | 'zombie'> {
  // It sleeps 3 s from before the answer: long enough to be seen sleeping after an answer that
  // took its time on a busy machine.
  assert.equal((await get(`${url}/orphan/3000`)).status, 200);
  // Seen as PID 1's child while it sleeps...
  const orphan = await waitFor(() => tree(init).find((p) => p.comm === 'sleep' && p.ppid === init && p.state !== 'Z'), 5000);
  const state = () => processes().find((p) => p.pid === orphan.pid)?.state;
  // ... until it exits ...
  await waitFor(() => state() === undefined || state() === 'Z', 10_000);
  // ... and then is reaped, or not.
  try {
    await waitFor(() => state() === undefined, REAP_WITHIN_MS);
    return 'reaped';
  } catch {
    return 'zombie';
  }
}

/** SIGTERM to PID 1 with a request in flight: the request is answered, the container exits 0. */
async function gracefulStop(url: string, app: Pid1): Promise<void> {
  // The handler calls back once it runs, so the signal comes while it is in flight.
  let running!: () => void;
  const isRunning = new Promise<void>((resolve) => {
    running = resolve;
  });
  const callback = http.createServer((_req, res) => {
    res.end();
    running();
  });
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  try {
    const inFlight = get(`${url}/started-then-sleep/1000?callback=http://127.0.0.1:${(callback.address() as AddressInfo).port}/`);
    await isRunning;
    process.kill(app.initPid, 'SIGTERM');
    assert.equal((await inFlight).status, 200);
  } finally {
    callback.close();
  }
  const exit = await app.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, app.lines.join('\n'));
}

describe("the image's command line as PID 1 (tini, as the Dockerfile says)", () => {
  let started: Awaited<ReturnType<typeof startContainer>> | undefined;
  after(async () => {
    await started?.app.stop();
    removeDir(started?.appDir);
    removeDir(started?.home);
  });

  test('tini is PID 1 as the unprivileged user; an orphan is reaped; SIGTERM stops gopool gracefully', async (t) => {
    started = await startContainer([...image.entrypoint, ...image.cmd]);
    const { app, url } = started;
    const processes = tree(app.initPid);
    t.diagnostic(processes.map((p) => `${p.pid} ${p.comm} uid ${p.uid} parent ${p.ppid}`).join('; '));
    assert.equal(processes[0]!.comm, 'tini');
    assert.ok(
      processes.every((p) => p.uid === UID),
      'every process runs as the unprivileged user',
    );
    assert.equal(await orphanFate(url, app.initPid), 'reaped');
    assert.deepEqual(
      tree(app.initPid).filter((p) => p.state === 'Z'),
      [],
    );
    await gracefulStop(url, app);
  });
});

describe('the same command line without tini: gopool as PID 1', () => {
  let started: Awaited<ReturnType<typeof startContainer>> | undefined;
  after(async () => {
    await started?.app.stop();
    removeDir(started?.appDir);
    removeDir(started?.home);
  });

  test('SIGTERM still stops gopool gracefully (its own handler), but an orphan is left a zombie: why the image has tini', async () => {
    started = await startContainer(image.cmd);
    const { app, url } = started;
    // What /proc shows as its comm: `node` on Node 20, `MainThread` on Node 24 (which names its main thread).
    assert.ok(['node', 'MainThread'].includes(tree(app.initPid)[0]!.comm), tree(app.initPid)[0]!.comm);
    assert.equal(await orphanFate(url, app.initPid), 'zombie');
    await gracefulStop(url, app);
  });
});
