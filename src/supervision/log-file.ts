import { closeSync, existsSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * An append-only log file rotated by size: `app.log` → `app.log.1` → … → `app.log.N`, the
 * oldest dropped. Only the daemon writes it, so rotation is a rename and a reopen, and no line
 * is lost or split. Lines that are not JSON (a console.log) get a timestamp in front; gopool's
 * own JSON lines already carry one.
 */
export class RotatingLogFile {
  private fd: number;
  private size: number;

  constructor(private readonly path: string, private readonly maxBytes: number, private readonly keep: number) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  /** A sink for complete lines (with their newline). */
  writeLine(line: string): void {
    const bytes = Buffer.from(line);
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  /** Returns a function that takes raw chunks of a stream and writes stamped whole lines. */
  lineWriter(tag: string): { write(chunk: Buffer | string): void; end(): void } {
    let rest = '';
    const emit = (line: string): void => {
      this.writeLine(line.startsWith('{') ? `${line}\n` : `${new Date().toISOString()} ${tag}${line}\n`);
    };
    return {
      write: (chunk) => {
        const text = rest + chunk.toString();
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) emit(line);
      },
      end: () => {
        if (rest) emit(rest);
        rest = '';
      },
    };
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    if (this.keep > 0) renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, this.keep > 0 ? 'a' : 'w', 0o600);
    this.size = 0;
  }
}
