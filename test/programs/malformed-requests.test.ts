// The quick part of the malformed-request corpus (test/fixtures/malformed-requests.json, all of it
// runs in `npm run chaos`), over raw sockets: every request gets an answer or a clean close, the
// server answers a normal request after each, and nothing restarts. Once through the master
// alone, once with ingress threads accepting beside it. Cases of known bugs run as todo.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get } from '../helpers/http';
import { type App, FIXTURES, startApp } from '../helpers/processes';
import { answersNormally, type CorpusCase, runCase } from '../helpers/raw-http';

const { cases } = JSON.parse(readFileSync(join(FIXTURES, 'malformed-requests.json'), 'utf8')) as { cases: CorpusCase[] };
const quick = cases.filter((c) => c.quick);

for (const [title, args] of [
  ['every handler on the pool', ['--ingress-threads', '1', '--cheap-route-ms', '0']],
  ['ingress threads beside the master', ['--min-ingress-threads', '2']],
] as const) {
  describe(`malformed requests: ${title}`, () => {
    let app: App;
    let port: number;
    let masterPid: number;
    before(async () => {
      // Timeouts shorter than the wait for an answer: a stalled request is dropped within it.
      app = await startApp(join(FIXTURES, 'chaos-app.js'), ['--info-url', '/_gopool', '--headers-timeout', '1000', '--request-timeout', '1500', ...args]);
      port = Number(new URL(app.url).port);
      masterPid = (await get(`${app.url}/_gopool`)).json().pid;
    });
    after(() => app.stop());

    for (const c of quick) {
      test(c.name, c.known ? { todo: c.known } : {}, async () => {
        const result = await runCase(port, c, 4000);
        assert.ok(
          result.ok,
          `expected ${c.expect.join(' or ')}${c.maxResponses ? `, at most ${c.maxResponses} response(s)` : ''}; got ${result.outcome}${result.status ? ` (${result.status})` : ''}, ${result.responses} response(s)`,
        );
        assert.ok(await answersNormally(port), 'a normal request is answered after it');
      });
    }

    test('the server kept serving: same master, no restart', async () => {
      assert.ok(await answersNormally(port));
      const s = (await get(`${app.url}/_gopool`)).json();
      assert.equal(s.pid, masterPid);
      assert.equal(s.daemon.restarts, 0);
      assert.equal(app.child.exitCode, null);
    });
  });
}
