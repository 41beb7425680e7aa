/**
 * A mistake the user can fix (bad option, missing app file, ...). The CLI and the start
 * functions print its message as one line and exit non-zero, without a stack trace.
 */
export class GopoolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GopoolError';
  }
}

/** Prints the one-line message for a start-up failure and sets a non-zero exit code. */
export function reportStartFailure(err: unknown): void {
  const message = err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`gopool: ${message}\n`);
  process.exitCode = 1;
}
