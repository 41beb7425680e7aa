// onMaster's `app` is a scope of the master: what an app used to set up there for the whole app
// (a body parser, a hook, a plugin) applies to onMaster's own routes only. Each such call is
// named at start-up, once, with what replaces it; the app's routes keep gopool's defaults.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { get } from './helpers/http';
import { type App, FIXTURES, logRecords, run, startApp, whenListening } from './helpers/processes';

const APP = join(FIXTURES, 'on-master-app.js');
const modes: Array<{ name: string; start: () => Promise<App> }> = [
  { name: 'with threads', start: () => startApp(APP, ['--max-threads', '1', '--ingress-threads', '2', '--min-ingress-threads', '2']) },
  { name: 'in single mode', start: () => whenListening(run(process.execPath, [APP], { env: { SINGLE: '1' } })) },
];
const APP_WIDE_CALLS = ['app.removeContentTypeParser', 'app.addContentTypeParser', 'app.addHook', 'app.register'];

const emptyJson = (url: string) => get(url, { method: 'POST', headers: { 'content-type': 'application/json' } });

for (const mode of modes) {
  describe(`onMaster's app ${mode.name}`, () => {
    let app: App;
    before(async () => {
      app = await mode.start();
    });
    after(() => app.stop());

    test('each call that no longer reaches the app is named once at start-up, with its replacement', async () => {
      const warnings = logRecords(app.lines).filter((r) => typeof r.msg === 'string' && r.msg.startsWith('onMaster: '));
      assert.deepEqual(
        warnings.map((r) => r.call),
        APP_WIDE_CALLS,
        'one line per call, in order, none for decorate, an onReady hook or a plugin of routes',
      );
      for (const r of warnings) assert.equal(r.level, 40, 'a warning');
      assert.match(
        String(warnings[1]!.msg),
        /^onMaster: app\.addContentTypeParser\('application\/json', …\) applies only to the routes added in onMaster, not to the app's routes: use gopool\.addContentTypeParser\(…\) in the app file/,
      );
      assert.match(String(warnings[2]!.msg), /app\.addHook\('onRequest', …\).*use gopool\.addHook\(…\)/);
      assert.match(String(warnings[3]!.msg), /app\.register\(@fastify\/cors, …\).*use gopool\.register\(…\)/);
      // Requests do not repeat them: they were said once, by the thread that ran onMaster.
      await emptyJson(`${app.url}/master/echo`);
      assert.equal(logRecords(app.lines).filter((r) => typeof r.msg === 'string' && r.msg.startsWith('onMaster: ')).length, APP_WIDE_CALLS.length);
    });

    test("the app's routes keep gopool's defaults", async () => {
      for (const path of ['/echo', '/echo-pool']) {
        const empty = await emptyJson(`${app.url}${path}`);
        assert.equal(empty.status, 400, path);
        assert.equal(empty.json().code, 'FST_ERR_CTP_EMPTY_JSON_BODY', path);
        const r = await get(`${app.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://x.example' },
          body: '{"a":1}',
        });
        assert.deepEqual(r.json(), { body: { a: 1 } });
        assert.equal(r.headers.get('x-on-master-hook'), null, `onMaster's hook is not on ${path}`);
        assert.equal(r.headers.get('access-control-allow-origin'), null, `onMaster's cors is not on ${path}`);
      }
    });

    test("onMaster's own routes get what it set up there, as before", async () => {
      const r = await get(`${app.url}/master/echo`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://x.example' } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), { body: { empty: true } }, "onMaster's parser");
      assert.equal(r.headers.get('x-on-master-hook'), 'yes');
      assert.equal(r.headers.get('access-control-allow-origin'), 'https://x.example');
      assert.deepEqual((await get(`${app.url}/master/greeting`)).json(), { greeting: 'hello' });
    });
  });
}
