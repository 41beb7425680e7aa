// A throw-away PostgreSQL for the database scenario: installs the Debian package when it is
// missing, creates a cluster in a temporary directory, listens on 127.0.0.1 on a free port,
// fills a table of 1000 rows, and is removed again by stop(). seedApi() adds the realistic
// API's schema and data (bench/api.mjs).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = 1000;
const API_USERS = 20;
const API_ARTICLES = 200;
/** bcryptjs cost of the users' password hashes: 8, ~30 ms of CPU per login here (10 would be 4× that, and a 5 s run too few logins to count CPU per request well). */
const BCRYPT_COST = 8;

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

/**
 * The realistic API's schema and data (bench/api.mjs), in the database at `url`: 20 users
 * (bcryptjs hashes of cost BCRYPT_COST), 200 articles with 1–4 of 20 tags each, every user
 * following 5 others and favoriting 20 articles. The same data every run (a seeded
 * generator). User n logs in as user<n>@bench.example / password<n>.
 */
export async function seedApi(url) {
  const require = createRequire(join(import.meta.dirname, 'package.json'));
  const { Client } = require('pg');
  const bcrypt = require('bcryptjs');
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (n) => Math.floor(random() * n);
  const words = 'node fastify thread pool worker queue socket stream latency memory schema token cache index query tuning service deploy cluster kernel'.split(
    ' ',
  );
  const sentence = (n) => Array.from({ length: n }, () => words[pick(words.length)]).join(' ');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, username text UNIQUE NOT NULL, password_hash text NOT NULL, bio text, image text);
      CREATE TABLE follows (follower_id int REFERENCES users, followee_id int REFERENCES users, PRIMARY KEY (follower_id, followee_id));
      CREATE TABLE articles (id serial PRIMARY KEY, slug text UNIQUE NOT NULL, title text NOT NULL, description text NOT NULL, body text NOT NULL,
        author_id int NOT NULL REFERENCES users, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX articles_created ON articles (created_at DESC, id DESC);
      CREATE INDEX articles_author ON articles (author_id, created_at DESC);
      CREATE TABLE tags (id serial PRIMARY KEY, name text UNIQUE NOT NULL);
      CREATE TABLE article_tags (article_id int REFERENCES articles, tag_id int REFERENCES tags, PRIMARY KEY (article_id, tag_id));
      CREATE INDEX article_tags_tag ON article_tags (tag_id);
      CREATE TABLE favorites (user_id int REFERENCES users, article_id int REFERENCES articles, PRIMARY KEY (user_id, article_id));
      CREATE INDEX favorites_article ON favorites (article_id);`);
    for (let n = 1; n <= API_USERS; n++) {
      await client.query('INSERT INTO users (email, username, password_hash, bio, image) VALUES ($1, $2, $3, $4, $5)', [
        `user${n}@bench.example`,
        `user${n}`,
        await bcrypt.hash(`password${n}`, BCRYPT_COST),
        `I write about ${sentence(3)}.`,
        `https://images.bench.example/user${n}.png`,
      ]);
    }
    await client.query('INSERT INTO tags (name) SELECT unnest($1::text[])', [words]);
    const start = Date.UTC(2026, 0, 1);
    for (let n = 1; n <= API_ARTICLES; n++) {
      const title = `${sentence(4)} ${n}`;
      const created = new Date(start + n * 3_600_000 + pick(3_600_000));
      const {
        rows: [{ id }],
      } = await client.query(
        'INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id',
        [title.replaceAll(' ', '-'), title, sentence(12), Array.from({ length: 8 }, () => `${sentence(25)}.`).join('\n\n'), 1 + pick(API_USERS), created],
      );
      const tags = new Set(Array.from({ length: 1 + pick(4) }, () => 1 + pick(words.length)));
      for (const tag of tags) await client.query('INSERT INTO article_tags VALUES ($1, $2)', [id, tag]);
    }
    for (let n = 1; n <= API_USERS; n++) {
      for (let k = 1; k <= 5; k++) await client.query('INSERT INTO follows VALUES ($1, $2)', [n, ((n - 1 + k) % API_USERS) + 1]);
      await client.query('INSERT INTO favorites SELECT $1, a FROM unnest($2::int[]) AS a ON CONFLICT DO NOTHING', [
        n,
        Array.from({ length: 20 }, () => 1 + pick(API_ARTICLES)),
      ]);
    }
    await client.query('ANALYZE');
    const { rows } = await client.query('SELECT slug FROM articles ORDER BY created_at DESC LIMIT 20');
    return { users: API_USERS, articles: API_ARTICLES, slugs: rows.map((row) => row.slug) };
  } finally {
    await client.end();
  }
}

/** Back to the data seedApi made: removes the articles written since (the route checks' POST). */
export async function resetApi(url) {
  const { Client } = createRequire(join(import.meta.dirname, 'package.json'))('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DELETE FROM article_tags WHERE article_id > ${API_ARTICLES}; DELETE FROM favorites WHERE article_id > ${API_ARTICLES};
      DELETE FROM articles WHERE id > ${API_ARTICLES}`);
  } finally {
    await client.end();
  }
}
