// nginx in front of two gopool instances ("hosts": two names, two ports, two GOPOOL_HOMEs),
// with the documented config deploy/nginx.conf, the real nginx:
// - under load through nginx, each instance reloaded in turn and one master killed with
//   SIGKILL: not one failed request;
// - the keep-alive race (nodejs/node#27363): with nginx closing idle upstream connections
//   before gopool does, POSTs (which nginx never retries) spaced around both timeouts: no 502.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { until } from '../helpers/http';
import { steadyLoad, summarize } from '../helpers/load';
import { type Nginx, startNginx } from '../helpers/nginx';
import { type App, CLI, FIXTURES, runToEnd, startApp, tempHome } from '../helpers/processes';

interface Host {
  name: string;
  home: string;
  app: App;
  port: number;
}

async function startHost(name: string, args: string[] = []): Promise<Host> {
  const home = tempHome();
  const app = await startApp(join(FIXTURES, 'pool-app.js'), ['--name', name, ...args], { GOPOOL_HOME: home });
  return { name, home, app, port: Number(new URL(app.url).port) };
}

async function stopHost(host: Host | undefined): Promise<void> {
  if (!host) return;
  await host.app.stop();
  rmSync(host.home, { recursive: true, force: true });
}

async function gopool(host: Host, ...args: string[]): Promise<string> {
  const result = await runToEnd(process.execPath, [CLI, ...args], { env: { GOPOOL_HOME: host.home } });
  assert.equal(result.code, 0, result.output);
  return result.output;
}

async function masterPid(host: Host): Promise<number> {
  const [status] = JSON.parse(await gopool(host, 'status', host.name, '--json')) as Array<{ state: string; masterPid: number | null }>;
  assert.ok(status && status.state === 'online' && status.masterPid, `status of ${host.name}: ${JSON.stringify(status)}`);
  return status.masterPid;
}

describe('nginx in front of two gopool instances', () => {
  const hosts: Host[] = [];
  let nginx: Nginx | undefined;
  after(async () => {
    await nginx?.stop();
    await Promise.all(hosts.map(stopHost));
  });

  test('under load through nginx: reload each instance in turn, SIGKILL one master: zero failed requests', async (t) => {
    hosts.push(await startHost('host-a'), await startHost('host-b'));
    const [a, b] = hosts as [Host, Host];
    nginx = await startNginx([a.port, b.port]);
    const pids = { a0: await masterPid(a), b0: await masterPid(b) };

    const load = steadyLoad(`${nginx.url}/thread`, { connections: 4, durationMs: 50_000, maxRequests: 400_000 });
    /** Waits until the load has had answers from the master with this pid. */
    const servedBy = (pid: number) => until(async () => load.outcomes.some((o) => o.pid === pid), 20_000);
    try {
      await servedBy(pids.a0);
      await servedBy(pids.b0);
      t.diagnostic(await gopool(a, 'reload', a.name));
      const a1 = await masterPid(a);
      await servedBy(a1);
      t.diagnostic(await gopool(b, 'reload', b.name));
      const b1 = await masterPid(b);
      await servedBy(b1);

      process.kill(a1, 'SIGKILL');
      const a2 = await until(async () => {
        const pid = await masterPid(a).catch(() => undefined);
        return pid !== undefined && pid !== a1 ? pid : undefined;
      }, 20_000);
      await servedBy(a2);
      Object.assign(pids, { a1, b1, a2 });
    } finally {
      load.stop();
    }
    const outcomes = await load.done;
    const retried = nginx.accessLog().filter((line) => line.includes(', ')).length;
    t.diagnostic(`${summarize(outcomes)}; masters ${JSON.stringify(pids)}; requests nginx sent to the other host after a failure: ${retried}`);
    const failed = outcomes.filter((o) => o.error !== undefined || o.status !== 200);
    assert.deepEqual(failed, [], summarize(outcomes));
    assert.ok(outcomes.length > 100, summarize(outcomes));
  });
});

/** One POST through a kept-alive client connection to nginx; the status, or the error's code. */
function post(agent: http.Agent, url: string, body: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(body);
  });
}

describe('the keep-alive race between nginx and gopool (nodejs/node#27363)', () => {
  // Short timeouts keep the test fast; their order is the documented one: nginx's upstream
  // keepalive_timeout below gopool's keepAliveTimeout.
  const NGINX_KEEPALIVE_S = 1;
  const GOPOOL_KEEPALIVE_MS = 2000;
  const hosts: Host[] = [];
  let nginx: Nginx | undefined;
  after(async () => {
    await nginx?.stop();
    await Promise.all(hosts.map(stopHost));
  });

  test('POSTs spaced around both timeouts through nginx: no 502', async (t) => {
    hosts.push(
      await startHost('race-a', ['--keep-alive-timeout', String(GOPOOL_KEEPALIVE_MS)]),
      await startHost('race-b', ['--keep-alive-timeout', String(GOPOOL_KEEPALIVE_MS)]),
    );
    nginx = await startNginx(
      hosts.map((h) => h.port),
      (conf) => {
        const edited = conf.replace(/keepalive_timeout 60s;/, `keepalive_timeout ${NGINX_KEEPALIVE_S}s;`);
        assert.notEqual(edited, conf, 'deploy/nginx.conf has no "keepalive_timeout 60s;"');
        return edited;
      },
    );
    // Gaps just under, at and just over nginx's and gopool's idle timeouts, in ms.
    const gaps = [0, 950, 1000, 1050, 1950, 2000, 2050, 2950, 3000, 3050];
    const url = `${nginx.url}/echo`;
    // Four clients, each with its own order of the gaps, so the upstream connections are
    // reused at every age around the timeouts.
    const results = await Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const out: Array<number | string> = [];
        for (let i = 0; i < gaps.length; i++) {
          await new Promise((resolve) => setTimeout(resolve, gaps[(i * (client + 1)) % gaps.length]));
          out.push(await post(agent, url, JSON.stringify({ client, i })));
        }
        agent.destroy();
        return out;
      }),
    );
    const all = results.flat();
    t.diagnostic(
      `${all.length} POSTs: ${JSON.stringify(Object.fromEntries(all.reduce((m, s) => m.set(String(s), (m.get(String(s)) ?? 0) + 1), new Map<string, number>())))}`,
    );
    assert.deepEqual(
      all.filter((s) => s !== 200),
      [],
    );
  });
});
