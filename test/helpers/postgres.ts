// A throw-away PostgreSQL cluster (the Debian package, installed by scripts/test.mjs): created
// in a temporary directory, listening on 127.0.0.1 on a free port, removed by stop(). As root,
// its commands run as the postgres user (PostgreSQL refuses to run as root).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { tempDir } from './processes';

/** The newest PostgreSQL's bin directory (/usr/lib/postgresql/<major>/bin), or undefined. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const major = readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return major === undefined ? undefined : join(base, major, 'bin');
}

export interface Postgres {
  url: string;
  /** Runs one SQL statement with psql and returns its output, unaligned, without headers. */
  sql(statement: string): string;
  stop(): void;
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is missing: scripts/test.mjs installs the postgresql package');
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]): string => {
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { encoding: 'utf8' })
      : spawnSync(join(bin, command), args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  const dir = tempDir('gopool-test-pg-');
  chmodSync(dir, 0o700);
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'test', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const settings = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', settings, '-w', '-t', '30', 'start']);
  let stopped = false;
  return {
    url: `postgres://test@127.0.0.1:${port}/postgres`,
    sql: (statement) =>
      run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'test', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', statement]).trim(),
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
