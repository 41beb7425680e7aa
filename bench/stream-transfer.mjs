#!/usr/bin/env node
import { createRequire } from 'node:module';
// Why streams cross threads on a MessagePort of their own (src/dispatch/stream-port.ts) rather
// than as a transferred web ReadableStream: 10 MiB in 64 KiB chunks from a worker thread to the
// main thread, both ways, median of 7 runs each. Needs `npm run build` (it uses dist/).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { LocalStream, openStream } = require('../dist/dispatch/stream-port.js');
const TOTAL = 10 * 1024 * 1024;
const CHUNK = 64 * 1024;

if (isMainThread) {
  for (const mode of ['web ReadableStream, transferred', "gopool's port (stream-port.ts)"]) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { mode } });
    const runs = [];
    for (let round = 0; round < 7; round++) {
      const started = performance.now();
      const handle = await new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('go');
      });
      let bytes = 0;
      if (mode.startsWith('web')) {
        for await (const chunk of handle) bytes += chunk.byteLength;
      } else {
        const source = openStream(handle, () => new Error('cut'));
        for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) bytes += chunk.byteLength;
      }
      if (bytes !== TOTAL) throw new Error(`got ${bytes} bytes`);
      runs.push(performance.now() - started);
    }
    runs.sort((a, b) => a - b);
    console.log(`${mode}: ${runs[3].toFixed(1)} ms for 10 MiB, ${(10 / (runs[3] / 1000)).toFixed(0)} MiB/s (median of 7)`);
    await worker.terminate();
  }
} else {
  parentPort.on('message', () => {
    let sent = 0;
    // One chunk reused: both ways copy what they are given (a clone, a coalescing copy), and a
    // fresh 64 KiB allocation per chunk would cost more than either (page faults).
    const block = new Uint8Array(CHUNK).fill(0x61);
    const chunk = () => {
      sent += CHUNK;
      return block;
    };
    if (workerData.mode.startsWith('web')) {
      const stream = new ReadableStream({
        pull(controller) {
          if (sent >= TOTAL) controller.close();
          else controller.enqueue(chunk());
        },
      });
      parentPort.postMessage(stream, [stream]);
    } else {
      const port = new LocalStream({ next: async () => (sent >= TOTAL ? null : chunk()), cancel() {} }).toPort();
      parentPort.postMessage(port, [port]);
    }
  });
}
