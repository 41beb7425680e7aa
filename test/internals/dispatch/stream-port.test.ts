import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MessageChannel } from 'node:worker_threads';
import type { ChunkSource } from '../../../src/dispatch/chunk-source';
import { chunksOf } from '../../../src/dispatch/chunk-source';
import { freeBlockBytes } from '../../../src/dispatch/shared-blocks';
import { LocalStream, openStream, type PortReceiver } from '../../../src/dispatch/stream-port';
import { ERR_STREAM_CUT, ERR_STREAM_IDLE } from '../../../src/errors';

const CHUNK = 64 * 1024;

/** An endless source of 64 KiB chunks that counts what was pulled and how it was cancelled. */
function endless(): ChunkSource & { pulled: number; cancelledWith: Error | undefined } {
  const source = {
    pulled: 0,
    cancelledWith: undefined as Error | undefined,
    next: async () => {
      source.pulled += CHUNK;
      return new Uint8Array(CHUNK);
    },
    cancel: (reason: Error) => {
      source.cancelledWith = reason;
    },
  };
  return source;
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await nextTurn();
};

test('the producer is pulled only within the window while nobody reads, and again as the reader reads', async () => {
  const source = endless();
  const receiver = openStream(new LocalStream(source).toPort(), () => new ERR_STREAM_CUT('test'));
  await turns(50);
  const held = source.pulled;
  assert.ok(held >= 256 * 1024, `the first window is filled (${held} bytes pulled)`);
  assert.ok(held <= 256 * 1024 + CHUNK, `and no more while nobody reads (${held} bytes pulled)`);
  let read = 0;
  for (let i = 0; i < 64; i++) read += (await receiver.next())!.byteLength; // 4 MiB read, as fast as it comes
  await turns(50);
  assert.ok(source.pulled > held + 2 * 1024 * 1024, 'reading gives credit back');
  assert.ok(source.pulled - read <= 2 * 1024 * 1024 + CHUNK, `a reader that keeps up widens the window to 2 MiB at most (${source.pulled - read} bytes ahead)`);
  receiver.cancel(new ERR_STREAM_IDLE('GET /x', 5));
  await turns(5);
  assert.equal((source.cancelledWith as Error & { code?: string }).code, 'GOPOOL_ERR_STREAM_IDLE', 'the reason crosses with its code');
});

test('every byte arrives in order, small chunks together, then the end; a producer error arrives with its code', async () => {
  async function* lines() {
    for (let i = 0; i < 10_000; i++) yield `${i}\n`;
  }
  const receiver = openStream(new LocalStream(chunksOf(lines())).toPort(), () => new ERR_STREAM_CUT('test'));
  let text = '';
  let messages = 0;
  for (let chunk = await receiver.next(); chunk !== null; chunk = await receiver.next()) {
    text += Buffer.from(chunk).toString();
    messages++;
  }
  assert.equal(text, Array.from({ length: 10_000 }, (_, i) => `${i}\n`).join(''));
  assert.ok(messages < 100, `coalesced into ${messages} messages`);

  async function* broken() {
    yield 'a';
    throw Object.assign(new Error('broken'), { code: 'APP_BROKEN' });
  }
  const failing = openStream(new LocalStream(chunksOf(broken())).toPort(), () => new ERR_STREAM_CUT('test'));
  assert.equal(Buffer.from((await failing.next())!).toString(), 'a');
  await assert.rejects(failing.next(), { code: 'APP_BROKEN', message: 'broken' });
});

test('a port closed without an end cuts the stream; a chunk of the wrong type fails it', async () => {
  const { port1, port2 } = new MessageChannel();
  const receiver = openStream(port2, () => new ERR_STREAM_CUT('GET /cut'));
  port1.close();
  await assert.rejects(receiver.next(), { code: 'GOPOOL_ERR_STREAM_CUT' });

  const objects = openStream(
    new LocalStream(
      chunksOf(
        (async function* () {
          yield { not: 'bytes' };
        })(),
      ),
    ).toPort(),
    () => new ERR_STREAM_CUT('test'),
  );
  await assert.rejects(objects.next(), { code: 'GOPOOL_ERR_STREAM_CHUNK' });
});

/** `count` chunks of 64 KiB, chunk i filled with the byte i. */
async function* numbered(count: number) {
  for (let i = 0; i < count; i++) yield new Uint8Array(CHUNK).fill(i);
}

test('large chunks cross in shared blocks: a borrowing reader gets views it gives back, and those blocks are filled again', async () => {
  const receiver = openStream(new LocalStream(chunksOf(numbered(384))).toPort(), () => new ERR_STREAM_CUT('test')) as PortReceiver;
  receiver.borrow();
  const memories = new Set<ArrayBufferLike>();
  let borrowed = 0;
  let expected = 0;
  let last: Uint8Array | undefined;
  for (let chunk = await receiver.next(); chunk !== null; chunk = await receiver.next()) {
    if (receiver.isBorrowed(chunk)) {
      assert.ok(chunk.buffer instanceof SharedArrayBuffer);
      memories.add(chunk.buffer);
      borrowed++;
    }
    for (let at = 0; at < chunk.byteLength; at += CHUNK) assert.equal(chunk[at], expected++ % 256, 'the bytes in order');
    // The previous chunk is done with: give it back (the sender may fill its block again).
    if (last) receiver.giveBack(last);
    last = chunk;
  }
  assert.equal(expected, 384, 'every chunk');
  assert.ok(memories.size >= 1 && memories.size * 2 <= borrowed, `24 MiB crossed in ${borrowed} messages, in ${memories.size} blocks used again and again`);
  const before = freeBlockBytes();
  receiver.giveBack(last!);
  await turns(5);
  assert.ok(freeBlockBytes() > before, 'the last block given back after the end still reaches the sender');
});

test('a reader that does not borrow gets copies, and the blocks go back at once', async () => {
  const receiver = openStream(new LocalStream(chunksOf(numbered(32))).toPort(), () => new ERR_STREAM_CUT('test')) as PortReceiver;
  let chunks = 0;
  for (let chunk = await receiver.next(); chunk !== null; chunk = await receiver.next()) {
    assert.ok(!(chunk.buffer instanceof SharedArrayBuffer), 'a copy of its own');
    assert.equal(receiver.isBorrowed(chunk), false);
    chunks += chunk.byteLength / CHUNK;
  }
  assert.equal(chunks, 32);
  await turns(5);
  assert.ok(freeBlockBytes() > 0, 'the blocks are back with the sender');
});
