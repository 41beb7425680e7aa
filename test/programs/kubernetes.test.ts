// deploy/kubernetes without a cluster: the manifests are validated against the Kubernetes
// schemas (kubernetes-models), checked for what ties them together (selector, ports, grace
// periods, Prometheus annotations), and every probe is sent, over real HTTP, to a gopool
// started the way the pod starts it: the image's command line (deploy/Dockerfile) with the
// image's environment and the container's, as an unprivileged user, as PID 1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { homeFor, makeAppDir, type Pid1, readDockerfile, removeDir, runAsPid1 } from '../helpers/container';
import { get, until } from '../helpers/http';
import { freePort } from '../helpers/ports';
import { FIXTURES, ROOT, whenListening } from '../helpers/processes';

const UID = 65534;

function manifest(file: string): Array<Record<string, any>> {
  return parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'kubernetes', file), 'utf8')).map((doc) => {
    assert.deepEqual(doc.errors, [], `${file}: ${doc.errors.join('; ')}`);
    return doc.toJS() as Record<string, any>;
  });
}

const [deployment] = manifest('deployment.yaml');
const [service] = manifest('service.yaml');
const pod = deployment!.spec.template;
const container = pod.spec.containers[0];
const env: Record<string, string> = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
const probes = { startup: container.startupProbe, liveness: container.livenessProbe, readiness: container.readinessProbe };

/** A probe's or a Service's port, named or numbered, as the container port it means. */
function containerPort(port: string | number): number {
  if (typeof port === 'number') return port;
  const named = (container.ports as Array<{ name: string; containerPort: number }>).find((p) => p.name === port);
  assert.ok(named, `no container port named "${port}"`);
  return named.containerPort;
}

describe('the Kubernetes manifests', () => {
  test('each validates against its Kubernetes schema', () => {
    assert.equal(deployment!.kind, 'Deployment');
    assert.equal(service!.kind, 'Service');
    new Deployment(deployment as ConstructorParameters<typeof Deployment>[0]).validate();
    new Service(service as ConstructorParameters<typeof Service>[0]).validate();
  });

  test('the Service selects the pods and sends to a port the container declares', () => {
    for (const [key, value] of Object.entries(service!.spec.selector as Record<string, string>)) assert.equal(pod.metadata.labels[key], value);
    assert.deepEqual(deployment!.spec.selector.matchLabels, service!.spec.selector);
    for (const port of service!.spec.ports as Array<{ targetPort: string | number }>) assert.equal(containerPort(port.targetPort), Number(env.GOPOOL_PORT));
  });

  test("terminationGracePeriodSeconds is above the preStop pause plus gopool's gracePeriod", () => {
    const preStop = container.lifecycle.preStop.exec.command as string[];
    assert.equal(preStop[0], 'sleep');
    const pauseMs = Number(preStop[1]) * 1000;
    const gracePeriodMs = Number(env.GOPOOL_GRACE_PERIOD ?? 10000);
    assert.ok(pauseMs > 0);
    assert.ok(
      pod.spec.terminationGracePeriodSeconds * 1000 > pauseMs + gracePeriodMs,
      `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} s <= preStop ${pauseMs} ms + gracePeriod ${gracePeriodMs} ms`,
    );
  });

  test('probes: liveness on /livez, readiness on /readyz, a startup probe; the monitoring port annotated for Prometheus; resources set', () => {
    assert.equal(probes.liveness.httpGet.path, '/livez');
    assert.equal(probes.readiness.httpGet.path, '/readyz');
    assert.ok(probes.startup.httpGet.path);
    assert.equal(pod.metadata.annotations['prometheus.io/scrape'], 'true');
    assert.equal(Number(pod.metadata.annotations['prometheus.io/port']), Number(env.GOPOOL_MONITOR_PORT));
    assert.equal(containerPort('monitoring'), Number(env.GOPOOL_MONITOR_PORT));
    assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  });
});

describe('the probes against a gopool started as the pod starts it', () => {
  const image = readDockerfile(join(ROOT, 'deploy', 'Dockerfile'));
  let app: Pid1 | undefined;
  let appDir: string | undefined;
  let home: string | undefined;
  /** container port → the port it has in this test */
  const ports = new Map<number, number>();
  const urlOf = (port: string | number, path: string) => `http://127.0.0.1:${ports.get(containerPort(port))}${path}`;

  before(async () => {
    for (const { containerPort: port } of container.ports as Array<{ containerPort: number }>) ports.set(port, await freePort());
    appDir = makeAppDir(join(FIXTURES, 'container-app.js'));
    home = homeFor(UID);
    // The kubelet's environment: the image's, then the container's; here on loopback and free ports.
    const merged: Record<string, string> = { ...image.env, ...env };
    for (const key of ['GOPOOL_PORT', 'GOPOOL_MONITOR_PORT']) {
      assert.ok(ports.has(Number(merged[key])), `${key}=${merged[key]} is not a declared container port`);
      merged[key] = String(ports.get(Number(merged[key])));
    }
    Object.assign(merged, { GOPOOL_HOST: '127.0.0.1', GOPOOL_MONITOR_HOST: '127.0.0.1', GOPOOL_HOME: join(home, 'gopool') });
    app = await runAsPid1([...image.entrypoint, ...image.cmd], { cwd: appDir, env: merged, uid: UID });
  });

  after(async () => {
    await app?.stop();
    removeDir(appDir);
    removeDir(home);
  });

  test('the startup probe passes within its budget, then liveness and readiness answer 200', async () => {
    const budgetMs = probes.startup.periodSeconds * probes.startup.failureThreshold * 1000;
    await until(
      async () => (await get(urlOf(probes.startup.httpGet.port, probes.startup.httpGet.path))).status === 200,
      budgetMs,
      probes.startup.periodSeconds * 1000,
    );
    for (const probe of [probes.liveness, probes.readiness]) {
      const response = await get(urlOf(probe.httpGet.port, probe.httpGet.path));
      assert.equal(response.status, 200, `${probe.httpGet.path} on port ${probe.httpGet.port}`);
    }
  });

  test("the Service's target port serves the app, the annotated port serves the metrics", async () => {
    await whenListening(app!);
    assert.equal((await get(urlOf(service!.spec.ports[0].targetPort, '/thread'))).status, 200);
    const metrics = await get(urlOf(Number(pod.metadata.annotations['prometheus.io/port']), pod.metadata.annotations['prometheus.io/path']));
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^gopool_up 1$/m);
  });

  test('SIGTERM: gopool exits 0 within terminationGracePeriodSeconds less the preStop pause', async () => {
    const budgetMs = (pod.spec.terminationGracePeriodSeconds - Number(container.lifecycle.preStop.exec.command[1])) * 1000;
    // As the kubelet: SIGTERM, then SIGKILL once the budget is spent.
    const exit = await app!.stop(budgetMs);
    assert.deepEqual(exit, { code: 0, signal: null });
  });
});
