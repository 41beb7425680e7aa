/**
 * Every error gopool raises, each with a code and an HTTP status, in one place (as fastify's
 * lib/errors.js). Built with @fastify/error, so a gopool error looks like a fastify one to an
 * error handler: `err.code`, `err.statusCode`, `err.message`. docs/errors.md lists them; a test
 * keeps the two in step. Tests match codes, never message text.
 *
 * Two families:
 * - start-up and usage errors (`GopoolError` base): a mistake the user can fix; the CLI and the
 *   start functions print the message as one line and exit 1, without a stack trace;
 * - request errors (4xx/5xx): what a client is answered when its request cannot be served.
 */
import createError from '@fastify/error';

/** Base of the start-up and usage errors: printed as one line, exit code 1. */
export class GopoolError extends Error {
  code = 'GOPOOL_ERR';
  statusCode = 500;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GopoolError';
  }
}

const usage = <Args extends unknown[]>(code: string, message: string) =>
  createError<string, Args>(code, message, 500, GopoolError as unknown as ErrorConstructor);

// ---- start-up and usage ------------------------------------------------------------------

export const ERR_APP_NOT_FOUND = usage<[file: string]>('GOPOOL_ERR_APP_NOT_FOUND', 'app file not found: %s');

// ---- requests ----------------------------------------------------------------------------

/** The README's errors table and docs/errors.md come from this list. */
export const ERROR_CODES = [ERR_APP_NOT_FOUND] as const;

/** Prints the one-line message for a start-up failure and sets a non-zero exit code. */
export function reportStartFailure(err: unknown): void {
  const message = err instanceof GopoolError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`gopool: ${message}\n`);
  process.exitCode = 1;
}
