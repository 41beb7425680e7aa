// A throw-away PostgreSQL for the database scenario: installs the Debian package when it is
// missing, creates a cluster in a temporary directory, listens on 127.0.0.1 on a free port,
// fills a table of 1000 rows, and is removed again by stop().
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = 1000;

function binDir() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const majors = readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? join(base, majors[0], 'bin') : null;
}

function ensureInstalled() {
  if (binDir()) return binDir();
  console.log('installing postgresql (Debian package) for the database scenario');
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (apt(['update', '-qq']).status !== 0 || apt(['install', '-y', '-qq', '--no-install-recommends', 'postgresql']).status !== 0) {
    throw new Error('could not install postgresql');
  }
  const bin = binDir();
  if (!bin) throw new Error('postgresql installed, but no pg_ctl under /usr/lib/postgresql/*/bin');
  return bin;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the postgres user. */
function runAs(bin, command, args) {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { encoding: 'utf8' })
    : spawnSync(join(bin, command), args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Starts a database; resolves { url, stop }. */
export async function startPostgres(port) {
  const bin = ensureInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'gopool-bench-pg-'));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runAs(bin, 'initdb', ['-D', data, '-U', 'bench', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // max_connections: every server's processes and threads open their own pools.
  const settings = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=300 -c fsync=off -c shared_buffers=64MB`;
  runAs(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', settings, '-w', '-t', '30', 'start']);
  const psql = (sql) => runAs(bin, 'psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'bench', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  psql(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);
        INSERT INTO items SELECT i, 'item ' || i, (i % 100) + 0.99 FROM generate_series(1, ${ROWS}) AS i;
        ANALYZE items;`);
  let stopped = false;
  return {
    url: `postgres://bench@127.0.0.1:${port}/postgres`,
    rows: ROWS,
    /** Stops the server and removes its files; again, it does nothing. */
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        runAs(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
