import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { forwardThreadOutput, threadOutputForwarded } from '../../../src/threads/thread-output';

/** A target that keeps what was written, write by write. */
function collector(): { target: PassThrough; written: string[] } {
  const target = new PassThrough();
  const written: string[] = [];
  target.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { target, written };
}

test("every line is prefixed with the thread's id, across chunks, a last line without newline included", async () => {
  const source = new PassThrough();
  const { target, written } = collector();
  forwardThreadOutput(source, target, 7);
  source.write('one\ntw');
  source.write('o\n\nthree\r\nfo');
  source.end('ur');
  await threadOutputForwarded(60_000);
  assert.equal(written.join(''), '[thread 7] one\n[thread 7] two\n[thread 7] \n[thread 7] three\r\n[thread 7] four\n');
});

test('a character split between two chunks arrives whole', async () => {
  const source = new PassThrough();
  const { target, written } = collector();
  forwardThreadOutput(source, target, 1);
  const bytes = Buffer.from('é\n');
  source.write(bytes.subarray(0, 1));
  source.end(bytes.subarray(1));
  await threadOutputForwarded(60_000);
  assert.equal(written.join(''), '[thread 1] é\n');
});

test('threadOutputForwarded waits for the output of a thread still writing', async () => {
  const source = new PassThrough();
  const { target, written } = collector();
  forwardThreadOutput(source, target, 2);
  source.write('first\n');
  let forwarded = false;
  const waiting = threadOutputForwarded(60_000).then(() => {
    forwarded = true;
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(forwarded, false, 'its stream has not ended');
  source.end('last');
  await waiting;
  assert.deepEqual(written.join(''), '[thread 2] first\n[thread 2] last\n');
});

test('a stream destroyed before its end ends the forwarding too', async () => {
  const source = new PassThrough();
  const { target } = collector();
  forwardThreadOutput(source, target, 3);
  source.write('partial');
  source.destroy();
  await threadOutputForwarded(60_000);
});
