import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPTION_SPECS } from '../../../src/config/options';
import { checkLayer, defaults, masterOverrides, parseValue, resolveOptions } from '../../../src/config/resolve-options';

test('precedence: flag > environment > config file > code > default', () => {
  const code = { maxThreads: 1, timeout: 1, idleTimeout: 1, concurrency: 1 };
  const config = { maxThreads: 2, timeout: 2, idleTimeout: 2 };
  const env = { GOPOOL_MAX_THREADS: '3', GOPOOL_TIMEOUT: '3' };
  const cli = { maxThreads: 4 };
  const resolved = resolveOptions({ code, config, env, cli });
  assert.equal(resolved.maxThreads, 4, 'flag');
  assert.equal(resolved.timeout, 3, 'environment');
  assert.equal(resolved.idleTimeout, 2, 'config file');
  assert.equal(resolved.concurrency, 1, 'code');
  assert.equal(resolved.bodyLimit, defaults().bodyLimit, 'default');
});

test("the master's layers (code < environment < overrides) give the same answer as the daemon's five", () => {
  const code = { maxThreads: 1, timeout: 1, idleTimeout: 1, concurrency: 1 };
  const config = { maxThreads: 2, timeout: 2, idleTimeout: 2 };
  const env = { GOPOOL_MAX_THREADS: '3', GOPOOL_TIMEOUT: '3' };
  const cli = { maxThreads: 4 };
  const daemon = resolveOptions({ code, config, env, cli });
  const master = resolveOptions({ code, env, cli: masterOverrides(config, env, cli) });
  assert.deepEqual(master, daemon);
});

test('an empty environment variable does not count as set', () => {
  assert.equal(resolveOptions({ config: { timeout: 2 }, env: { GOPOOL_TIMEOUT: '' } }).timeout, 2);
  assert.deepEqual(masterOverrides({ timeout: 2 }, { GOPOOL_TIMEOUT: '' }, {}), { timeout: 2 });
});

test('each layer is checked, and the error names its source with a code', () => {
  assert.throws(() => resolveOptions({ code: { maxThreads: 'many' } }), {
    code: 'GOPOOL_ERR_OPTION_INVALID',
    message: 'options passed to gopool: maxThreads must be an integer, got "many"',
  });
  assert.throws(() => resolveOptions({ code: { nope: 1 } }), { code: 'GOPOOL_ERR_OPTION_UNKNOWN' });
  assert.throws(() => resolveOptions({ code: [] }), { code: 'GOPOOL_ERR_OPTIONS_NOT_OBJECT' });
  assert.throws(() => resolveOptions({ env: { GOPOOL_TIMEOUT: 'soon' } }), {
    code: 'GOPOOL_ERR_OPTION_INVALID',
    message: 'environment GOPOOL_TIMEOUT must be an integer, got "soon"',
  });
  assert.throws(() => resolveOptions({ cli: { minThreads: 4, maxThreads: 2 } }), { code: 'GOPOOL_ERR_MIN_ABOVE_MAX' });
});

test('HTTPS wants both a key and a certificate, from any layers', () => {
  const both = resolveOptions({ config: { httpsKey: '/k.pem' }, env: { GOPOOL_HTTPS_CERT: '/c.pem', GOPOOL_HTTP2: 'true' } });
  assert.deepEqual([both.httpsKey, both.httpsCert, both.http2], ['/k.pem', '/c.pem', true]);
  assert.throws(() => resolveOptions({ env: { GOPOOL_HTTPS_CERT: '/c.pem' } }), {
    code: 'GOPOOL_ERR_HTTPS_INCOMPLETE',
    message: 'HTTPS needs both a key and a certificate: httpsCert (--https-cert) was given, httpsKey (--https-key) was not',
  });
});

test('parseValue: integers, booleans, choices, ranges, url paths', () => {
  const spec = (key: string) => OPTION_SPECS.find((s) => s.key === key)!;
  assert.equal(parseValue(spec('port'), '8080', '--port'), 8080);
  assert.throws(() => parseValue(spec('port'), '70000', '--port'), { code: 'GOPOOL_ERR_OPTION_INVALID' });
  assert.equal(parseValue(spec('metrics'), 'off', '--metrics'), false);
  assert.equal(parseValue(spec('watch'), 'yes', '--watch'), true);
  assert.throws(() => parseValue(spec('logLevel'), 'loud', '--log-level'), { code: 'GOPOOL_ERR_OPTION_INVALID' });
  assert.throws(() => parseValue(spec('infoUrl'), 'info', '--info-url'), { code: 'GOPOOL_ERR_OPTION_INVALID' });
  assert.deepEqual(checkLayer({ port: undefined, host: '0.0.0.0' }, 'x'), { host: '0.0.0.0' });
});

test('cpus: the thread and queue defaults follow it, unless they are given too', () => {
  const planned = resolveOptions({ cli: { cpus: 16 } });
  assert.equal(planned.maxThreads, 16);
  assert.equal(planned.ingressThreads, 16);
  assert.equal(planned.maxQueue, 16000);
  const mixed = resolveOptions({ env: { GOPOOL_CPUS: '8' }, cli: { maxThreads: 3 } });
  assert.equal(mixed.maxThreads, 3);
  assert.equal(mixed.ingressThreads, 8);
});
