// Raw HTTP/1.1 over a TCP socket, for input no HTTP client would send: what came back, classified.
import net from 'node:net';

/** What the server did with one raw request. */
export type Outcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'close' | 'reset' | 'hang';

export interface RawResult {
  outcome: Outcome;
  /** Status of the first response, if any. */
  status?: number;
  /** Complete responses read (more than one for a single request: something was smuggled). */
  responses: number;
  /** Headers of the first response, lower-cased names. */
  headers: Record<string, string>;
  /** The connection ended (by the server) before we gave up on it. */
  ended: boolean;
}

/** One piece of a request in a corpus: bytes as latin1 text, or a run of repeats. */
export type Part = string | { repeat: string; times: number };

export interface CorpusCase {
  name: string;
  /** Request line and headers; `{length}` is replaced by the body's length in bytes. */
  head: Part[];
  body?: Part[];
  /** Outcomes that are acceptable. */
  expect: Outcome[];
  /** At most this many responses (a request smuggled behind another would make two). */
  maxResponses?: number;
  /** Known to fail until this is fixed (an issue). */
  known?: string;
  /** In the quick corpus of the test (test/programs/malformed-requests.test.ts). */
  quick?: boolean;
  note?: string;
}

function bytesOf(parts: Part[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(typeof p === 'string' ? p : p.repeat.repeat(p.times), 'latin1')));
}

/** The bytes of a corpus case. */
export function requestBytes(c: CorpusCase): Buffer {
  const body = bytesOf(c.body ?? []);
  const head = bytesOf(c.head).toString('latin1').replaceAll('{length}', String(body.length));
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * Complete responses at the start of `buf` (status line, headers, a body by length or chunks).
 * The answer to a HEAD request has its headers only, whatever its Content-Length says.
 */
function parseResponses(buf: Buffer, headRequest = false): { statuses: number[]; headers: Record<string, string> } {
  const statuses: number[] = [];
  let headers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const lines = buf.subarray(at, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) break;
    const h: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let next = end + 4;
    const status = Number(m[1]);
    if (headRequest && statuses.length === 0 && status >= 200) {
      // no body
    } else if (h['transfer-encoding']?.includes('chunked')) {
      const last = buf.indexOf('0\r\n\r\n', next);
      if (last < 0) break;
      next = last + 5;
    } else if (h['content-length'] !== undefined) {
      next += Number(h['content-length']);
      if (next > buf.length) break;
    } else if (status >= 200 && status !== 204 && status !== 304) {
      // No length: the body runs to the close; counted when the connection ends.
      if (statuses.length === 0) headers = h;
      statuses.push(status);
      at = buf.length;
      break;
    }
    if (statuses.length === 0) headers = h;
    statuses.push(status);
    at = next;
  }
  return { statuses, headers };
}

/**
 * Sends `bytes` on a new connection and waits for complete responses, the connection's end, or
 * `waitMs` with neither (a hang). After a complete response it waits `settleMs` more for a
 * second one (pipelined or smuggled).
 */
export function sendRaw(port: number, bytes: Buffer, options: { waitMs?: number; settleMs?: number; host?: string } = {}): Promise<RawResult> {
  const waitMs = options.waitMs ?? 5000;
  const settleMs = options.settleMs ?? 150;
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: options.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    let reset = false;
    let settled: NodeJS.Timeout | undefined;
    let done = false;
    const headRequest = bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
    const finish = (ended: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(settled);
      socket.destroy();
      const { statuses, headers } = parseResponses(Buffer.concat(chunks), headRequest);
      const status = statuses[0];
      const outcome: Outcome = status !== undefined ? (`${Math.floor(status / 100)}xx` as Outcome) : reset ? 'reset' : ended ? 'close' : 'hang';
      resolve({ outcome, status, responses: statuses.length, headers, ended });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // A complete response: give a second one a moment, then stop waiting.
      if (parseResponses(Buffer.concat(chunks), headRequest).statuses.length > 0) {
        clearTimeout(settled);
        settled = setTimeout(() => finish(false), settleMs);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') reset = true;
      else reset = true;
      finish(true);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(bytes, () => undefined);
  });
}

export interface CaseResult extends RawResult {
  name: string;
  /** The outcome is one the case accepts, and nothing was smuggled. */
  ok: boolean;
  known?: string;
}

/** Sends one corpus case and judges what came back. */
export async function runCase(port: number, c: CorpusCase, waitMs = 5000): Promise<CaseResult> {
  const result = await sendRaw(port, requestBytes(c), { waitMs });
  const ok = c.expect.includes(result.outcome) && result.responses <= (c.maxResponses ?? 1 + (c.name.includes('pipelined') ? 99 : 0));
  return { name: c.name, ...result, ok, ...(c.known ? { known: c.known } : {}) };
}

/** A normal request on a new connection is answered 2xx within `waitMs`. */
export async function answersNormally(port: number, waitMs = 5000): Promise<boolean> {
  const r = await sendRaw(port, Buffer.from('GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), { waitMs });
  return r.outcome === '2xx';
}
