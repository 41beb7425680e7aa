import { unlink } from 'node:fs';
import type { Options, RotatingFileStream } from 'rotating-file-stream' with { 'resolution-mode': 'import' };

// The package ships CommonJS beside ESM, but its types are ESM-only: require it, typed.
const { createStream } = require('rotating-file-stream') as { createStream(file: string, options: Options): RotatingFileStream };

/**
 * The log file of a background instance, rotated by size the way logrotate does it:
 * `app.log` → `app.log.1` → … → `app.log.N`, the oldest dropped (rotating-file-stream's
 * classical mode). Only the daemon writes it, one whole line per write, so no line is split.
 */
export class RotatingLogFile {
  private readonly stream: RotatingFileStream;
  private closed: Promise<void> | undefined;

  /** `keep` rotated files besides the current one; 0 keeps none (the file starts afresh). */
  constructor(
    readonly path: string,
    maxBytes: number,
    keep: number,
  ) {
    this.stream = createStream(path, { size: `${maxBytes}B`, rotate: Math.max(1, keep), mode: 0o600 });
    if (keep === 0) this.stream.on('rotated', (file: string) => unlink(file, () => undefined));
    // A full disk or a removed folder must not take the daemon down: say it where it can.
    this.stream.on('error', (err: Error) => process.stderr.write(`gopool: log file ${path}: ${err.message}\n`));
  }

  /** Writes one complete line (with its newline). */
  writeLine(line: string): void {
    if (!this.closed) this.stream.write(line);
  }

  /** Flushes what was written and closes the file. */
  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.stream.once('finish', () => resolve());
      this.stream.once('error', () => resolve());
      this.stream.end();
    });
    return this.closed;
  }
}
