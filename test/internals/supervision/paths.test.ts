// GOPOOL_HOME's safety rules and the pid file's, against the real file system. The suite runs
// as root here, which lets it make a folder owned by another uid.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkFolder, checkName, ensureHome, instancePaths } from '../../../src/supervision/paths';
import { readPidFile, removePidFile, writePidFile } from '../../../src/supervision/pid-file';
import { tempDir } from '../../helpers/processes';

const fresh = () => tempDir('gopool-home-');
const uid = process.getuid!();

test('instance paths', () => {
  assert.deepEqual(instancePaths('api', '/h'), { pid: '/h/api.pid', socket: '/h/api.sock', log: '/h/logs/api.log' });
});

test('names are a safe alphabet', () => {
  assert.doesNotThrow(() => checkName('api-2.v1_x'));
  for (const bad of ['', '../x', 'a/b', '.hidden', 'x'.repeat(65)]) assert.throws(() => checkName(bad), { code: 'GOPOOL_ERR_BAD_NAME' }, bad);
});

test('ensureHome creates a private folder', () => {
  const home = join(fresh(), 'gopool');
  ensureHome(home);
  assert.ok(existsSync(join(home, 'logs')));
});

test('a folder of another user is refused', () => {
  const home = fresh();
  chownSync(home, uid + 4242, 0);
  assert.throws(() => ensureHome(home), { code: 'GOPOOL_ERR_HOME_NOT_OWNED' });
});

test('world-writable without the sticky bit is refused; with it, allowed', () => {
  const dir = { isDirectory: () => true, uid };
  assert.throws(() => checkFolder('/x', { ...dir, mode: 0o40777 }, uid), { code: 'GOPOOL_ERR_HOME_WORLD_WRITABLE' });
  assert.doesNotThrow(() => checkFolder('/x', { ...dir, mode: 0o41777 }, uid));
  assert.throws(() => checkFolder('/x', { isDirectory: () => false, uid, mode: 0o100600 }, uid), { code: 'GOPOOL_ERR_HOME_NOT_DIRECTORY' });
});

test('a logs folder that is a symbolic link is refused', () => {
  const home = fresh();
  symlinkSync(fresh(), join(home, 'logs'));
  assert.throws(() => ensureHome(home), { code: 'GOPOOL_ERR_UNSAFE_PATH' });
});

test('the pid file replaces a planted symbolic link instead of writing through it', () => {
  const home = fresh();
  const victim = join(fresh(), 'victim');
  writeFileSync(victim, 'precious\n');
  const pidFile = join(home, 'api.pid');
  symlinkSync(victim, pidFile);
  writePidFile(pidFile, 1234);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
  assert.equal(readPidFile(pidFile), 1234);
  removePidFile(pidFile, 1234);
  assert.ok(!existsSync(pidFile));
});

test('a pid file that is a link is never read or removed through', () => {
  const home = fresh();
  const target = join(home, 'elsewhere');
  writeFileSync(target, '999\n');
  symlinkSync(target, join(home, 'api.pid'));
  assert.throws(() => readPidFile(join(home, 'api.pid')), { code: 'GOPOOL_ERR_UNSAFE_PATH' });
  removePidFile(join(home, 'api.pid'), 999);
  assert.ok(existsSync(target));
});

test('ensureHome makes a home of ours private again', () => {
  const home = fresh();
  mkdirSync(join(home, 'logs'));
  chmodSync(home, 0o755);
  ensureHome(home);
  assert.equal(statSync(home).mode & 0o777, 0o700);
});
