import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, whenAccepting } from './ports';
import { ROOT, type Running, run, tempDir } from './processes';

export interface Nginx {
  url: string;
  process: Running;
  /** The access log's lines so far: `<status> <upstream_status> <upstream_addr>`. */
  accessLog(): string[];
  stop(): Promise<void>;
}

/**
 * The real nginx in the foreground (its own prefix, config, logs and temp folders in a temp
 * dir), serving deploy/nginx.conf with the upstream servers and the listen port replaced.
 * `edit` changes the documented config further (e.g. a shorter keepalive_timeout).
 */
export async function startNginx(upstreams: number[], edit: (conf: string) => string = (c) => c): Promise<Nginx> {
  const dir = tempDir('gopool-nginx-');
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub));
  const port = await freePort();
  let site = readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
  const documented = [...site.matchAll(/^\s*server 192\.0\.2\.\d+:3000(.*);$/gm)];
  if (documented.length !== upstreams.length) throw new Error(`deploy/nginx.conf has ${documented.length} upstream servers, the test has ${upstreams.length}`);
  let i = 0;
  site = site.replace(/^(\s*)server 192\.0\.2\.\d+:3000(.*);$/gm, (_, indent: string, rest: string) => `${indent}server 127.0.0.1:${upstreams[i++]}${rest};`);
  if (!/^\s*listen 80;$/m.test(site)) throw new Error('deploy/nginx.conf has no "listen 80;" line');
  site = edit(site.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`));
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      // As root nginx would run its workers as "nobody", who cannot write the temp folders here.
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      'daemon off;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/logs/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      `  client_body_temp_path ${dir}/temp/body; proxy_temp_path ${dir}/temp/proxy;`,
      `  fastcgi_temp_path ${dir}/temp/fastcgi; uwsgi_temp_path ${dir}/temp/uwsgi; scgi_temp_path ${dir}/temp/scgi;`,
      "  log_format statuses '$status $upstream_status $upstream_addr';",
      `  access_log ${dir}/logs/access.log statuses;`,
      `  include ${dir}/site.conf;`,
      '}',
    ].join('\n'),
  );
  const check = spawnCheck(dir);
  if (check) throw new Error(`nginx -t refused the config:\n${check}`);
  const nginx = run('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  await whenAccepting(port);
  return {
    url: `http://127.0.0.1:${port}`,
    process: nginx,
    accessLog: () =>
      readFileSync(join(dir, 'logs', 'access.log'), 'utf8')
        .split('\n')
        .filter(Boolean),
    async stop() {
      // SIGTERM is nginx's fast shutdown; the worker goes with the master.
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `nginx -t` on the config: undefined when it passes, its output otherwise. */
function spawnCheck(dir: string): string | undefined {
  const result = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`;
}
