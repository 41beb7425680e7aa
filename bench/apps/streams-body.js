// The streamed body both servers of bench/streams.mjs send: 10 MiB in 64 KiB chunks, made as
// they are read (a Readable, as a handler streaming a file or an export would return).
const { Readable } = require('node:stream');

const CHUNK = 64 * 1024;
const TOTAL = 10 * 1024 * 1024;
const block = Buffer.alloc(CHUNK, 0x61);

module.exports = function tenMegabytes() {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= TOTAL) return void this.push(null);
      sent += CHUNK;
      this.push(Buffer.from(block)); // a fresh chunk each time, as a producer would make
    },
  });
};
