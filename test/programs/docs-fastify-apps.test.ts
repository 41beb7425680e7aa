// The code of docs/fastify-apps.md runs: the "Before and after" example, read out of the page
// itself (so the page cannot drift from what is tested), served once by fastify (`node
// server.js`) and once by gopool (`gopool start app.js`) against a real PostgreSQL, answers the
// same requests the same way; and the "Decorations" example signs a token at /login that /me
// then verifies.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get, postJson, until } from '../helpers/http';
import { type Postgres, startPostgres } from '../helpers/postgres';
import { type App, ROOT, type Running, run, startApp } from '../helpers/processes';

const PAGE = readFileSync(join(ROOT, 'docs', 'fastify-apps.md'), 'utf8');
const JWT_SECRET = 'the docs example secret';

/** The ```js blocks of `markdown`, without their fences, dedented (a block inside a list item is indented). */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```js\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body
      .split('\n')
      .map((line) => line.slice(indent.length))
      .join('\n'),
  );
}

/** The text of the page's section `## heading`, up to the next one. */
function section(heading: string): string {
  const start = PAGE.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/fastify-apps.md has a section "${heading}"`);
  const end = PAGE.indexOf('\n## ', start + 1);
  return PAGE.slice(start, end < 0 ? undefined : end);
}

/** The one code block of `text` whose first line starts with `firstLine`. */
function blockStartingWith(text: string, firstLine: string): string {
  const found = codeBlocks(text).filter((block) => block.startsWith(firstLine));
  assert.equal(found.length, 1, `one code block starts with ${firstLine}`);
  return found[0];
}

/** An HS256 token as @fastify/jwt signs them (the same as bench/api.mjs's signJwt). */
function signJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...payload, iat: Math.floor(Date.now() / 1000) })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/** The search index the "after" example posts each new article to: records what it received. */
async function searchIndex(): Promise<{ url: string; received: unknown[]; close: () => void }> {
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/index`, received, close: () => server.close() };
}

/** The URL fastify logs as it listens (`logger: true`), its IPv4 one. */
async function fastifyUrl(running: Running): Promise<string> {
  const line = await running.waitForLine((l) => /"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"/.test(l));
  return /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1];
}

describe('docs/fastify-apps.md', () => {
  // Under the repository, so that require('gopool') (the package's self-reference), fastify, pg
  // and the plugins resolve from the written files as from an app's own folder.
  const dir = join(ROOT, 'test', '.tmp', `docs-fastify-apps-${process.pid}`);
  let pg: Postgres;
  before(async () => {
    mkdirSync(dir, { recursive: true });
    pg = await startPostgres();
    pg.sql('CREATE TABLE articles (id serial PRIMARY KEY, title text NOT NULL, author integer NOT NULL)');
  });
  after(() => {
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the "Before and after" example: fastify and gopool answer the same requests the same way', async () => {
    const text = section('Before and after');
    const beforeCode = blockStartingWith(text, '// before:');
    const afterCode = blockStartingWith(text, '// after:');
    // The page's server listens on port 3000; here it takes a free port (port 0) and the test
    // reads the one it got from fastify's log line, as two runs at once must not collide.
    assert.ok(beforeCode.includes('port: 3000'), 'the "before" listens on port 3000');
    writeFileSync(join(dir, 'server.js'), beforeCode.replace('port: 3000', 'port: 0'));
    // The "after" keeps its text: the CLI's --port 0 wins over the code's port.
    writeFileSync(join(dir, 'app.js'), afterCode);

    const index = await searchIndex();
    const env = { DATABASE_URL: pg.url, JWT_SECRET, SEARCH_INDEX_URL: index.url };
    const fastify = run(process.execPath, [join(dir, 'server.js')], { env, cwd: dir });
    let gopool: App | undefined;
    try {
      gopool = await startApp(join(dir, 'app.js'), [], env);
      const servers = { fastify: await fastifyUrl(fastify), gopool: gopool.url };
      const token = signJwt({ id: 7, username: 'ada' });
      const answers: Record<string, Array<{ status: number; body: any }>> = {};
      for (const [name, url] of Object.entries(servers)) {
        const article = `${url}/api/articles`;
        const title = `Hello from ${name}`;
        const created = await postJson(article, { title }, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
        const anonymous = await postJson(article, { title });
        const invalid = await postJson(article, { body: 'no title' }, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
        answers[name] = [created, anonymous, invalid].map((r) => ({ status: r.status, body: r.json() }));

        assert.equal(created.status, 201, `${name}: ${created.text}`);
        assert.deepEqual({ title: created.json().title, author: created.json().author }, { title, author: 7 }, name);
        assert.equal(typeof created.json().id, 'number');
        assert.equal(pg.sql(`SELECT author FROM articles WHERE id = ${created.json().id}`), '7', `${name}: the row is in PostgreSQL`);
        assert.equal(anonymous.status, 401, `${name}: ${anonymous.text}`);
        assert.equal(anonymous.json().code, 'FST_JWT_NO_AUTHORIZATION_IN_HEADER', name);
        assert.equal(invalid.status, 422, `${name}: ${invalid.text}`);
        assert.deepEqual(invalid.json(), { errors: { body: ["body must have required property 'title'"] } }, name);
      }

      // The same statuses and the same body shapes; the created rows differ by their id and title only.
      const shape = ({ status, body }: { status: number; body: any }) => ({ status, keys: Object.keys(body).sort() });
      assert.deepEqual(answers.gopool.map(shape), answers.fastify.map(shape));
      assert.deepEqual(answers.gopool.slice(1), answers.fastify.slice(1), 'the 401 and the 422 are the same answers');

      // Only the "after" tells the search index, with the inserted row.
      const sent = await until(async () => index.received.length > 0 && index.received);
      assert.deepEqual(sent, [answers.gopool[0].body]);
    } finally {
      index.close();
      const [, stopped] = await Promise.all([fastify.stop(), gopool?.stop()]);
      if (stopped) assert.equal(stopped.code, 0, 'gopool stops cleanly (onThreadStop ends each pool)');
    }
  });

  test('the "Decorations" example: a login signs a token with the app\'s @fastify/jwt, the hook verifies it', async () => {
    const code = codeBlocks(section('How each part behaves')).filter((block) => block.includes("gopool.post('/login'"));
    assert.equal(code.length, 1, 'one block has the login');
    // The page's lines are the body of an app file: its first and last lines are the test's.
    // The page leaves checkPassword to the reader; while it does, the test defines a stub that
    // takes any password of "ada" and answers her id.
    const definesCheckPassword = /\bcheckPassword\s*=|function checkPassword\b/.test(code[0]);
    const file = [
      "const { gopool } = require('gopool');",
      ...(definesCheckPassword
        ? []
        : [
            "const checkPassword = async ({ name, password }) => { if (name !== 'ada' || !password) throw Object.assign(new Error('bad password'), { statusCode: 401 }); return 7; };",
          ]),
      code[0],
      'module.exports = gopool;',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'login.js'), file);

    const app = await startApp(join(dir, 'login.js'), [], { JWT_SECRET });
    try {
      const login = await postJson(`${app.url}/login`, { name: 'ada', password: 'secret' });
      assert.equal(login.status, 200, login.text);
      const { token } = login.json();
      assert.equal(typeof token, 'string');
      const me = await get(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json().id, 7, 'the token carries what /login signed');
      assert.equal(typeof me.json().iat, 'number');
      assert.equal((await get(`${app.url}/me`)).status, 401, 'no token, no /me');
      assert.equal((await get(`${app.url}/me`, { headers: { authorization: `Bearer ${signJwt({ id: 7 })}x` } })).status, 401, 'a forged token');
    } finally {
      assert.equal((await app.stop()).code, 0);
    }
  });
});
