import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { GopoolOptions } from '../config/options';
import { ERR_HTTPS_CERT, ERR_HTTPS_FILE, ERR_HTTPS_KEY, ERR_HTTPS_MISMATCH } from '../errors';

/**
 * The public port's TLS key and certificate, as PEM text: plain strings, so that they cross
 * into every ingress thread as they are (workerData) and each thread's server uses the same.
 */
export interface TlsFiles {
  key: string;
  cert: string;
  passphrase?: string;
}

/**
 * Reads the key and certificate files once, when a master starts (a reload starts a new master,
 * which reads them afresh: a renewed certificate is served from then on). Checked here, with
 * the file at fault named, so that a bad file stops the start with one line rather than fail
 * in every thread that builds a server with it. Undefined without `httpsKey`: plain HTTP.
 */
export function readTlsFiles(options: Pick<GopoolOptions, 'httpsKey' | 'httpsCert' | 'httpsPassphrase'>): TlsFiles | undefined {
  if (!options.httpsKey || !options.httpsCert) return undefined;
  const keyFile = resolve(options.httpsKey);
  const certFile = resolve(options.httpsCert);
  const files: TlsFiles = {
    key: read('key', keyFile),
    cert: read('certificate', certFile),
    ...(options.httpsPassphrase ? { passphrase: options.httpsPassphrase } : {}),
  };
  const problem = (material: { key?: string; cert?: string; passphrase?: string }): string | undefined => {
    try {
      createSecureContext(material);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  // Each file on its own first, so that the message blames the right one.
  const keyProblem = problem({ key: files.key, ...(files.passphrase ? { passphrase: files.passphrase } : {}) });
  if (keyProblem) throw new ERR_HTTPS_KEY(keyFile, keyProblem);
  const certProblem = problem({ cert: files.cert });
  if (certProblem) throw new ERR_HTTPS_CERT(certFile, certProblem);
  const pairProblem = problem(files);
  if (pairProblem) throw new ERR_HTTPS_MISMATCH(keyFile, certFile, pairProblem);
  return files;
}

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a folder' };

function read(what: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ERR_HTTPS_FILE(what, file, READ_ERRORS[code] ?? (code || (err as Error).message));
  }
}
