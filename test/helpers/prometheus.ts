import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { get, until } from './http';
import { freePort } from './ports';
import { type Running, run, tempDir } from './processes';

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Prometheus {
  url: string;
  process: Running;
  /**
   * An instant query through the HTTP API, at `time` (seconds since the epoch; default now):
   * the vector's samples. Throws if Prometheus refuses the expression.
   */
  query(expr: string, time?: number): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** The real Prometheus server on a free port, with `config` and a data folder in a temp dir. */
export async function startPrometheus(config: unknown): Promise<Prometheus> {
  const dir = tempDir('gopool-prometheus-');
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prometheus = run(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { cwd: dir },
  );
  const stop = async (): Promise<void> => {
    await prometheus.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => (await get(`${url}/-/ready`)).status === 200, 30_000, 100);
  } catch (err) {
    await stop();
    throw new Error(`prometheus did not become ready: ${String(err)}\n${prometheus.lines.join('\n')}`);
  }
  return {
    url,
    process: prometheus,
    async query(expr, time) {
      const response = await get(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${time === undefined ? '' : `&time=${time}`}`);
      const body = response.json() as {
        status: string;
        error?: string;
        data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      if (body.status !== 'success') throw new Error(`prometheus refused ${expr}: ${body.error}`);
      if (body.data?.resultType !== 'vector') throw new Error(`${expr}: a ${body.data?.resultType}, not a vector`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
}
