// Certificates made by openssl for a test, and the TLS / HTTP/2 clients the tests speak with:
// curl, node's https and http2 clients, a raw TLS socket.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';
import { runToEnd, tempDir } from './processes';

export interface Certificate {
  key: string;
  cert: string;
  /** The certificate's PEM text, for a client's `ca`. */
  pem: string;
  /** SHA-256 fingerprint, as node's getPeerCertificate().fingerprint256 gives it. */
  fingerprint: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost (EC P-256: made in milliseconds), in a fresh folder. */
export function selfSigned(name: string): Certificate {
  const dir = tempDir(`gopool-tls-${name}-`);
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=gopool test ${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(cert, 'utf8');
  return { key, cert, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}

/** The fingerprint of the certificate a new TLS connection to `url` is shown. */
export function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.setTimeout(20_000, () => socket.destroy(new Error('no TLS handshake within 20 s')));
    socket.once('error', reject);
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The HTTP version curl or node spoke: '1.1' or '2'. */
  version: string;
}

/** curl (a real client of HTTPS and HTTP/2) with `args`; the status and version from its -w. */
export async function curl(url: string, args: string[]): Promise<Answer> {
  const marker = '\n--curl--';
  const result = await runToEnd('curl', ['-sS', '--max-time', '20', '-w', `${marker}%{http_code} %{http_version}\n`, ...args, url], { ms: 25_000 });
  const at = result.output.lastIndexOf(marker.trim());
  if (result.code !== 0 || at < 0) throw new Error(`curl ${args.join(' ')} ${url} failed (${result.code}): ${result.output}`);
  const [status, version] = result.output
    .slice(at + marker.trim().length)
    .trim()
    .split(' ');
  return { status: Number(status), headers: {}, body: result.output.slice(0, at).replace(/\n$/, ''), version: version! };
}

/** One request over node's https client, on a connection of its own. */
export function httpsGet(url: string, ca: string | string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, version: res.httpVersion }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
  });
}

/**
 * Requests over one HTTP/2 session of node's http2 client, all at once (streams of one
 * connection); `url` is https: (h2, `ca` trusted: PEM text, several certificates one after
 * the other) or http: (h2c, prior knowledge).
 */
export async function h2Requests(
  url: string,
  requests: Array<{ path: string; method?: string; body?: string; headers?: Record<string, string> }>,
  ca?: string,
  /** A session to use (left open), instead of a new one closed after. */
  open?: http2.ClientHttp2Session,
): Promise<Answer[]> {
  const session = open ?? http2.connect(url, ca ? { ca } : {});
  const failed = new Promise<never>((_, reject) => session.once('error', reject));
  failed.catch(() => undefined); // an error after the answers came is no one's to handle
  try {
    return await Promise.race([
      failed,
      Promise.all(
        requests.map(
          (r) =>
            new Promise<Answer>((resolve, reject) => {
              const stream = session.request({ ':path': r.path, ':method': r.method ?? 'GET', ...r.headers });
              stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
              let status = 0;
              let headers: Record<string, string | string[] | undefined> = {};
              let body = '';
              stream.setEncoding('utf8');
              stream.on('response', (h) => {
                status = Number(h[':status']);
                headers = h;
              });
              stream.on('data', (chunk: string) => {
                body += chunk;
              });
              stream.on('end', () => resolve({ status, headers, body, version: '2' }));
              stream.on('error', reject);
              stream.end(r.body);
            }),
        ),
      ),
    ]);
  } finally {
    if (!open) session.close();
  }
}

/** Raw bytes over a TLS connection that offers only HTTP/1.1 (ALPN); what the server wrote until it closed. */
export function rawTls(url: string, ca: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = tls.connect({ host: hostname, port: Number(port), ca, ALPNProtocols: ['http/1.1'] }, () => socket.write(bytes));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no close within 20 s; so far: ${answer}`)));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
  });
}
