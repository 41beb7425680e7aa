import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWatched } from '../../../src/supervision/watch-app';

test('source files reload; dependencies, version control, logs and editor droppings do not', () => {
  for (const path of ['app.js', 'routes/users.ts', 'gopool.config.js', 'lib/data.json']) assert.equal(isWatched(path), true, path);
  for (const path of [
    'node_modules/x/index.js',
    '.git/index',
    'logs/app.log',
    'log/x.txt',
    'server.log',
    'server.log.1',
    '.app.js.swp',
    '4913',
    'app.js~',
    '.#app.js',
  ]) {
    assert.equal(isWatched(path), false, path);
  }
});
