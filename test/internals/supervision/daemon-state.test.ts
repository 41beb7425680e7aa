import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DaemonStateMachine } from '../../../src/supervision/daemon-state';

test('the moves of a daemon life: start, crash, restart, reload, crash loop, reload, stop', () => {
  const machine = new DaemonStateMachine();
  assert.equal(machine.state, 'starting');
  for (const next of ['online', 'restarting', 'online', 'reloading', 'online', 'restarting'] as const) machine.to(next);
  machine.to('errored', 'crash loop: 5 crashes within 60 s');
  assert.equal(machine.error, 'crash loop: 5 crashes within 60 s');
  machine.to('reloading');
  assert.equal(machine.error, null, 'the reason goes with the state');
  machine.to('online');
  machine.to('stopping');
});

test('moves the table does not allow throw a coded error', () => {
  const machine = new DaemonStateMachine();
  assert.throws(() => machine.to('reloading'), { code: 'GOPOOL_ERR_DAEMON_STATE' });
  machine.to('stopping');
  assert.throws(() => machine.to('online'), { code: 'GOPOOL_ERR_DAEMON_STATE' }, 'stopping is final');
  assert.equal(DaemonStateMachine.canMove('errored', 'online'), false, 'errored comes back only through a reload');
});
