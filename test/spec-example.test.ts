// The example of SPEC.md section 2 runs as written, in CommonJS, ESM and TypeScript.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { get, postJson } from './helpers/http';
import { type App, ROOT, run, startApp, whenListening } from './helpers/processes';

const variants: Array<[string, () => Promise<App>]> = [
  ['CommonJS via gopool start', () => startApp(join(ROOT, 'examples', 'app.js'))],
  ['ESM via gopool start', () => startApp(join(ROOT, 'examples', 'app.mjs'))],
  ['TypeScript via gopool start', () => startApp(join(ROOT, 'examples', 'app.ts'))],
  // The original's way: plain `node app.js`, port overridden by the environment.
  ['CommonJS via node app.js', () => whenListening(run(process.execPath, [join(ROOT, 'examples', 'app.js')], { env: { GOPOOL_PORT: '0' } }))],
];

for (const [name, start] of variants) {
  describe(`spec example: ${name}`, () => {
    let app: App;
    after(() => app?.stop());

    test('serves every route of the example', async () => {
      app = await start();
      const hello = await get(`${app.url}/v1/hello?name=gopool`, { headers: { 'user-agent': 'spec-test', 'x-secret': 'no' } });
      assert.equal(hello.status, 200);
      const body = hello.json();
      assert.equal(body.hello, 'gopool');
      assert.deepEqual(body.headers, { 'user-agent': 'spec-test' }, 'only the headers headerGetter picks cross');
      assert.deepEqual(body.somebody, { hello: 'world' }, 'ctx from onMaster is cloned into the thread');
      assert.notEqual(body.threadId, 0, 'the handler ran on a worker thread');

      const world = await postJson(`${app.url}/v1/world`, { a: 1, b: [2] });
      assert.deepEqual(world.json(), { a: 1, b: [2] });

      const fib = await get(`${app.url}/fib/20`);
      assert.deepEqual(fib.json(), { value: 6765 });

      const ping = await get(`${app.url}/master/ping?x=1`);
      assert.deepEqual(ping.json(), { query: { x: '1' }, threadId: 0 }, 'master routes are answered by the master thread');
    });
  });
}
