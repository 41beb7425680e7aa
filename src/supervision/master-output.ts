import type { Readable } from 'node:stream';
import split2 from 'split2';
import type { RotatingLogFile } from './log-file';

/**
 * Copies a master's stdout and stderr line by line: into the log file in background mode,
 * onto the daemon's own stdout and stderr in the foreground, so that both read the same.
 * gopool's own lines pass as they are (JSON lines carry their timestamp); other lines (a
 * console.log, on the master or on a thread, whose lines the master prefixes with
 * `[thread N]`) get one in front.
 * In the file, where both streams meet, stderr's lines are tagged `[stderr]`.
 */
export function pipeMasterOutput(stdout: Readable, stderr: Readable, file: RotatingLogFile | undefined): void {
  if (file) {
    pipeLines(stdout, (line) => file.writeLine(stampLine(line, '')));
    pipeLines(stderr, (line) => file.writeLine(stampLine(line, '[stderr] ')));
  } else {
    pipeLines(stdout, (line) => process.stdout.write(stampLine(line, '')));
    pipeLines(stderr, (line) => process.stderr.write(stampLine(line, '')));
  }
}

function pipeLines(stream: Readable, write: (line: string) => void): void {
  stream.pipe(split2()).on('data', write);
}

/**
 * A line as it is written out. gopool's own lines pass as they are: its JSON log lines, and the
 * one line `gopool: <message>` that says why a start failed (the same one line the CLI prints).
 */
export function stampLine(line: string, tag: string, now = new Date()): string {
  return line.startsWith('{') || line.startsWith('gopool: ') ? `${line}\n` : `${now.toISOString()} ${tag}${line}\n`;
}
