// Prometheus across machines, with the real Prometheus server: it scrapes two gopool
// instances with the documented config (deploy/prometheus.yml; and the Kubernetes job of
// deploy/kubernetes/prometheus-scrape.yaml, its pod discovery replaced by static targets that
// carry the same meta labels), the documented queries (docs/deploy.md) sum the request rate and
// the latency quantiles across both, and every series has the right instance label.
// The Grafana dashboard's queries are the documented ones.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { until } from '../helpers/http';
import { type Load, steadyLoad } from '../helpers/load';
import { freePort } from '../helpers/ports';
import { type App, FIXTURES, ROOT, startApp, tempHome } from '../helpers/processes';
import { type Prometheus, type Sample, startPrometheus } from '../helpers/prometheus';

/** The queries in a file's first promql block, one per line (comments skipped). */
function queriesIn(file: string): string[] {
  const doc = readFileSync(join(ROOT, file), 'utf8');
  const block = /```promql\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, `${file} has no \`\`\`promql block`);
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

const documentedQueries = (): string[] => queriesIn(join('docs', 'deploy.md'));

const [RATE, RATE_BY_INSTANCE, P50, P99] = documentedQueries();

interface Host {
  home: string;
  app: App;
  monitorPort: number;
}

describe('Prometheus scraping two gopool instances', () => {
  const hosts: Host[] = [];
  const loads: Load[] = [];
  let prometheus: Prometheus;
  /** A second Prometheus that runs only the Kubernetes job, so that no series is scraped twice. */
  let podsPrometheus: Prometheus;
  let targets: string[];

  before(async () => {
    for (const name of ['metrics-a', 'metrics-b']) {
      const home = tempHome();
      const monitorPort = await freePort();
      const app = await startApp(join(FIXTURES, 'pool-app.js'), ['--name', name, '--monitor-port', String(monitorPort)], { GOPOOL_HOME: home });
      hosts.push({ home, app, monitorPort });
    }
    targets = hosts.map((h) => `127.0.0.1:${h.monitorPort}`);
    for (const host of hosts) loads.push(steadyLoad(`${host.app.url}/thread`, { connections: 2, durationMs: 60_000, maxRequests: 200_000 }));

    const config = parse(readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'gopool');
    assert.ok(job, 'deploy/prometheus.yml has no job "gopool"');
    job.static_configs = [{ targets }];
    const global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
    prometheus = await startPrometheus({ ...config, global });

    // The Kubernetes job, its relabelling run for real: each "pod" is discovered at its app
    // port, as role "pod" discovers a container port, with the annotations as meta labels.
    const k8s = parse(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'prometheus-scrape.yaml'), 'utf8')) as {
      scrape_configs: Array<Record<string, unknown> & { kubernetes_sd_configs?: unknown }>;
    };
    const podJob = k8s.scrape_configs[0]!;
    assert.ok(podJob.kubernetes_sd_configs, 'the Kubernetes job discovers pods');
    delete podJob.kubernetes_sd_configs;
    const pod = (address: string, scrape: string, port: number, name: string) => ({
      targets: [address],
      labels: {
        __meta_kubernetes_pod_annotation_prometheus_io_scrape: scrape,
        __meta_kubernetes_pod_annotation_prometheus_io_port: String(port),
        __meta_kubernetes_pod_annotation_prometheus_io_path: '/metrics',
        __meta_kubernetes_namespace: 'shop',
        __meta_kubernetes_pod_name: name,
      },
    });
    podJob.static_configs = [
      pod(new URL(hosts[0]!.app.url).host, 'true', hosts[0]!.monitorPort, 'api-0'),
      pod(new URL(hosts[1]!.app.url).host, 'true', hosts[1]!.monitorPort, 'api-1'),
      // A pod without the annotation is not scraped.
      pod('127.0.0.1:1', 'false', 1, 'not-gopool'),
    ];
    podsPrometheus = await startPrometheus({ global, scrape_configs: [podJob] });
  });

  after(async () => {
    for (const load of loads) load.stop();
    await Promise.all(loads.map((load) => load.done));
    await prometheus?.stop();
    await podsPrometheus?.stop();
    await Promise.all(
      hosts.map(async (host) => {
        await host.app.stop();
        rmSync(host.home, { recursive: true, force: true });
      }),
    );
  });

  const byInstance = (samples: Sample[]): Map<string, number> => new Map(samples.map((s) => [s.metric.instance!, s.value]));

  test('the summed request rate and the latency quantiles across both instances, each instance present', async (t) => {
    // Until both targets were scraped at least twice with traffic between the scrapes.
    const { at, perInstance } = await until(
      async () => {
        const time = Date.now() / 1000;
        const rates = byInstance(await prometheus.query(RATE_BY_INSTANCE!, time));
        return targets.every((target) => (rates.get(target) ?? 0) > 0) ? { at: time, perInstance: rates } : undefined;
      },
      40_000,
      250,
    );
    assert.deepEqual([...perInstance.keys()].sort(), [...targets].sort());

    // The same instant: the sum across instances is the sum of the instances.
    const [total] = await prometheus.query(RATE!, at);
    const [p50] = await prometheus.query(P50!, at);
    const [p99] = await prometheus.query(P99!, at);
    t.diagnostic(`per instance ${JSON.stringify(Object.fromEntries(perInstance))} req/s; all ${total?.value} req/s; p50 ${p50?.value} s; p99 ${p99?.value} s`);
    assert.ok(total);
    const sum = [...perInstance.values()].reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total.value - sum) <= 1e-9 * sum, `total ${total.value} against the sum of instances ${sum}`);
    assert.ok(p50 && Number.isFinite(p50.value) && p50.value > 0, `p50 ${p50?.value}`);
    assert.ok(p99 && Number.isFinite(p99.value) && p99.value >= p50.value, `p99 ${p99?.value}`);
  });

  test('instance labels: one per scraped instance, gopool adds none of its own', async () => {
    const up = await prometheus.query('gopool_up');
    assert.deepEqual(
      up.map((s) => s.metric).sort((a, b) => a.instance!.localeCompare(b.instance!)),
      [...targets].sort().map((instance) => ({ __name__: 'gopool_up', instance, job: 'gopool' })),
    );
    assert.deepEqual(
      up.map((s) => s.value),
      [1, 1],
    );
  });

  test('the Kubernetes job: annotated pods scraped on their monitoring port, labelled with namespace and pod', async () => {
    const up = await until(
      async () => {
        const samples = await podsPrometheus.query('gopool_up');
        return samples.length === 2 ? samples : undefined;
      },
      20_000,
      250,
    );
    assert.deepEqual(
      up
        .map((s) => ({ instance: s.metric.instance, pod: s.metric.pod, namespace: s.metric.namespace, job: s.metric.job }))
        .sort((a, b) => a.pod!.localeCompare(b.pod!)),
      [
        { instance: targets[0], pod: 'api-0', namespace: 'shop', job: 'gopool-pods' },
        { instance: targets[1], pod: 'api-1', namespace: 'shop', job: 'gopool-pods' },
      ],
    );
    // The pod without the annotation has no target at all.
    assert.deepEqual((await podsPrometheus.query('up')).map((s) => s.metric.pod).sort(), ['api-0', 'api-1']);
  });

  test('every documented query is accepted by Prometheus; the Grafana dashboard uses exactly those', async () => {
    const documented = documentedQueries();
    for (const expr of documented) await prometheus.query(expr); // throws on an expression Prometheus refuses
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const used = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    assert.deepEqual([...new Set(used)].sort(), [...new Set(documented)].sort());
    // The README's examples are among them.
    for (const expr of queriesIn('README.md')) assert.ok(documented.includes(expr), `README query not in docs/deploy.md: ${expr}`);
  });
});
