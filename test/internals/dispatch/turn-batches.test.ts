import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBatches } from '../../../src/dispatch/turn-batches';

test('entries added during a turn go out once per destination, in order, at its end', async () => {
  const sent: Array<[string, number[]]> = [];
  const batches = new TurnBatches<string, number>((destination, batch) => sent.push([destination, batch]));
  batches.add('a', 1);
  batches.add('b', 2);
  batches.add('a', 3);
  assert.deepEqual(sent, [], 'nothing before the end of the turn');
  await nextTurn();
  assert.deepEqual(sent, [
    ['a', [1, 3]],
    ['b', [2]],
  ]);
  batches.add('a', 4);
  await nextTurn();
  assert.deepEqual(sent.at(-1), ['a', [4]], 'the next turn is a batch of its own');
  assert.equal(sent.length, 3);
});

test('sendNow sends one destination at once; the rest waits for the end of the turn', async () => {
  const sent: Array<[string, number[]]> = [];
  const batches = new TurnBatches<string, number>((destination, batch) => sent.push([destination, batch]));
  batches.add('full', 1);
  batches.add('other', 2);
  batches.sendNow('full');
  assert.deepEqual(sent, [['full', [1]]]);
  batches.sendNow('nobody');
  assert.equal(sent.length, 1, 'nothing collected for it: nothing sent');
  await nextTurn();
  assert.deepEqual(
    sent,
    [
      ['full', [1]],
      ['other', [2]],
    ],
    'the sent one is not sent again',
  );
});
