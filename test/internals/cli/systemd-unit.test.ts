import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quote, systemdUnit } from '../../../src/cli/systemd-unit';
import { resolveOptions } from '../../../src/config/resolve-options';

const base = {
  name: 'api',
  node: '/usr/bin/node',
  cli: '/opt/gopool/dist/cli/main.js',
  appFile: '/srv/api/app.js',
  configFile: undefined,
  envName: undefined,
  flags: {},
  workingDirectory: '/srv/api',
  gopoolHome: undefined,
  userUnit: false,
  runAs: 'www',
};

test('a system unit: notify, reload through gopool, SIGTERM to the daemon only, stop timeout above the grace period', () => {
  const unit = systemdUnit({ ...base, flags: { port: 8080 }, options: resolveOptions({ cli: { gracePeriod: 30_000 } }) });
  const lines = unit.split('\n');
  for (const expected of [
    'Type=notify',
    'NotifyAccess=all',
    'User=www',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    'TimeoutStopSec=40',
    'ExecStart=/usr/bin/node /opt/gopool/dist/cli/main.js start /srv/api/app.js --port 8080',
    'ExecReload=/usr/bin/node /opt/gopool/dist/cli/main.js reload api',
    'WantedBy=multi-user.target',
    'Restart=on-failure',
  ])
    assert.ok(lines.includes(expected), `${expected} in\n${unit}`);
  assert.ok(!unit.includes('GOPOOL_HOME'), 'the service user keeps its own ~/.gopool');
});

test('a user unit has no User= and is wanted by default.target', () => {
  const unit = systemdUnit({ ...base, userUnit: true, gopoolHome: '/home/me/.gopool', options: resolveOptions({}) });
  assert.ok(!unit.includes('User='));
  assert.ok(unit.includes('WantedBy=default.target'));
  assert.ok(unit.includes('Environment=GOPOOL_HOME=/home/me/.gopool'));
});

test('words are quoted the way systemd reads them', () => {
  assert.equal(quote('/plain/path'), '/plain/path');
  assert.equal(quote('/with space/app.js'), '"/with space/app.js"');
  assert.equal(quote('100%'), '100%%');
  assert.equal(quote('$HOME'), '$$HOME');
  assert.equal(quote('say "hi"'), '"say \\"hi\\""');
});
