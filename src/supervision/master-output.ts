import type { Readable } from 'node:stream';
import split2 from 'split2';
import type { RotatingLogFile } from './log-file';

/**
 * Copies a master's stdout and stderr into the log file line by line. gopool's own lines are
 * JSON and carry their timestamp; other lines (a console.log) get one in front, and stderr's a
 * `[stderr]` tag.
 */
export function pipeMasterOutput(stdout: Readable, stderr: Readable, file: RotatingLogFile): void {
  pipeLines(stdout, file, '');
  pipeLines(stderr, file, '[stderr] ');
}

function pipeLines(stream: Readable, file: RotatingLogFile, tag: string): void {
  stream.pipe(split2()).on('data', (line: string) => file.writeLine(stampLine(line, tag)));
}

/** A line as it goes into the log file. */
export function stampLine(line: string, tag: string, now = new Date()): string {
  return line.startsWith('{') ? `${line}\n` : `${now.toISOString()} ${tag}${line}\n`;
}
