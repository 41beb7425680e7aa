/** Clients for streamed bodies: a slow reader that samples a process's memory, a chunked uploader. */

import { readFileSync } from 'node:fs';
import http from 'node:http';

/** Resident memory of a process, in MiB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Reads a streamed response slowly (`reads` reads, `pauseMs` after each), sampling the RSS of
 * `pid` after each read; then cancels. Bounded in reads, not in wall time.
 */
export async function readSlowly(
  url: string,
  pid: number,
  reads: number,
  pauseMs: number,
): Promise<{ status: number; bytes: number; baseMb: number; peakMb: number }> {
  const baseMb = rssMb(pid);
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  const reader = response.body!.getReader();
  let bytes = 0;
  let peakMb = baseMb;
  for (let i = 0; i < reads; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    peakMb = Math.max(peakMb, rssMb(pid));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  await reader.cancel();
  return { status: response.status, bytes, baseMb, peakMb };
}

export interface UploadOutcome {
  status: number;
  /** The response body, as far as it arrived. */
  body: string;
  /** Body bytes written when the response came (the upload stops there). */
  sentBytes: number;
}

/**
 * POSTs `total` bytes made by `chunk(offset, size)` with node's http client, 256 KiB per write,
 * waiting for 'drain', and stops writing as soon as a response arrives: how much was sent
 * tells whether the server answered before reading the whole body. `contentLength`: declare
 * the length (else chunked). `head` and `tail` frame the body (a multipart form).
 */
export function upload(
  url: string,
  options: { total: number; contentType: string; contentLength?: boolean; head?: Buffer; tail?: Buffer },
): Promise<UploadOutcome> {
  const head = options.head ?? Buffer.alloc(0);
  const tail = options.tail ?? Buffer.alloc(0);
  const length = head.length + options.total + tail.length;
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': options.contentType, ...(options.contentLength ? { 'content-length': String(length) } : {}) },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error('no response within 60 s'));
    }, 60_000);
    request.on('response', (response) => {
      answered = true;
      let body = '';
      const done = (): void => {
        clearTimeout(timer);
        request.destroy();
        resolve({ status: response.statusCode!, body, sentBytes });
      };
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', done);
      response.on('aborted', done);
      response.on('error', done);
    });
    // Writes after the server answered and closed fail: expected, the response is what counts.
    request.on('error', (err) => {
      if (!answered) {
        clearTimeout(timer);
        reject(err);
      }
    });
    const block = Buffer.alloc(256 * 1024, 0x61);
    const write = (): void => {
      if (sentBytes === 0 && head.length > 0) request.write(head);
      while (!answered && sentBytes < options.total) {
        const size = Math.min(block.length, options.total - sentBytes);
        sentBytes += size;
        if (!request.write(size === block.length ? block : block.subarray(0, size))) {
          request.once('drain', write);
          return;
        }
      }
      if (!answered) request.end(tail);
    };
    write();
  });
}
