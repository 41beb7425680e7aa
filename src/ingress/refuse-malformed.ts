import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { ERR_DUPLICATE_HOST, ERR_HTTP_VERSION } from '../errors';

/**
 * Requests Node's HTTP/1 parser lets through that RFC 9112 says a server must refuse, checked
 * before fastify sees them (on every accepting thread):
 * - two or more `Host` headers (section 3.2): Node keeps the first, while a proxy in front may
 *   have routed by another, the start of a request smuggled past the proxy's rules;
 * - a request line of a later major version (`HTTP/2.0`): Node answers it as HTTP/1.1 (a
 *   version-less HTTP/0.9 line is left to Node, which answers it).
 * The answer has the body of gopool's default error handler, and the connection is closed.
 * The check is one look at the version and a walk over the raw header names, so it runs on
 * the request path without a fastify hook.
 */
export function refuseMalformed(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.httpVersionMajor > 1) {
    refuse(res, new ERR_HTTP_VERSION(`${req.httpVersionMajor}.${req.httpVersionMinor}`));
    return true;
  }
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && isHost(name) && ++hosts > 1) {
      refuse(res, new ERR_DUPLICATE_HOST());
      return true;
    }
  }
  return false;
}

/** `name` (four characters) is "host" in any case, without making a lower-case copy of every four-letter name. */
function isHost(name: string): boolean {
  return (
    (name.charCodeAt(0) | 0x20) === 0x68 && (name.charCodeAt(1) | 0x20) === 0x6f && (name.charCodeAt(2) | 0x20) === 0x73 && (name.charCodeAt(3) | 0x20) === 0x74
  );
}

function refuse(res: ServerResponse, error: { code: string; statusCode?: number | undefined; message: string }): void {
  const status = error.statusCode ?? 400;
  const body = JSON.stringify({ statusCode: status, code: error.code, error: STATUS_CODES[status], message: error.message });
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}
