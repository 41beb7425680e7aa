import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { ERR_BODY_TOO_LARGE } from '../errors';

/** A file of a multipart body, as a handler receives it: plain data, so it can cross threads. */
export interface UploadedFile {
  filename: string;
  mimetype: string;
  encoding: string;
  /** The file's bytes (a Buffer where the handler runs inline, a Uint8Array on another thread). */
  data: Uint8Array;
}

/** A part as @fastify/multipart gives it. */
interface Part {
  type: 'file' | 'field';
  fieldname: string;
  value?: unknown;
  filename?: string;
  mimetype?: string;
  encoding?: string;
  file?: Readable;
  _buf?: Buffer | null;
}

type MultipartRequest = FastifyRequest & {
  isMultipart?: () => boolean;
  parts?: (options?: { limits?: { fileSize?: number } }) => AsyncIterable<Part>;
};

/** A multipart request the app's @fastify/multipart parses (it registered the plugin). */
export function isMultipart(req: FastifyRequest): boolean {
  const { isMultipart } = req as MultipartRequest;
  return typeof isMultipart === 'function' && isMultipart.call(req) === true;
}

/**
 * A multipart body as plain data: `{ field: value, upload: { filename, mimetype, encoding,
 * data } }`, a name sent several times as an array. Files are read into memory, counted
 * together with the fields against the route's `bodyLimit`: past it, 413 at once, without
 * reading the rest. Works with @fastify/multipart's default set-up (the parts are read here)
 * and with `attachFieldsToBody: true` (the plugin has read them; only their form changes).
 */
export async function multipartBody(req: FastifyRequest, limit: number): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  const attached = req.body;
  if (attached !== undefined && attached !== null && typeof attached === 'object') {
    for (const [name, value] of Object.entries(attached))
      body[name] = Array.isArray(value) ? await Promise.all(value.map(attachedPart)) : await attachedPart(value);
    return body;
  }
  let total = 0;
  // One byte over the limit per file, so that the plugin never truncates a file silently
  // before the count here sees it too large.
  for await (const part of (req as MultipartRequest).parts!({ limits: { fileSize: limit + 1 } })) {
    let value: unknown;
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file!) {
        total += (chunk as Buffer).byteLength;
        if (total > limit) throw new ERR_BODY_TOO_LARGE(limit);
        chunks.push(chunk as Buffer);
      }
      value = {
        filename: part.filename ?? '',
        mimetype: part.mimetype ?? '',
        encoding: part.encoding ?? '',
        data: Buffer.concat(chunks),
      } satisfies UploadedFile;
    } else {
      total += typeof part.value === 'string' ? Buffer.byteLength(part.value) : 0;
      if (total > limit) throw new ERR_BODY_TOO_LARGE(limit);
      value = part.value;
    }
    const previous = body[part.fieldname];
    if (previous === undefined) body[part.fieldname] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else body[part.fieldname] = [previous, value];
  }
  return body;
}

async function attachedPart(part: unknown): Promise<unknown> {
  const p = part as Part & { toBuffer?: () => Promise<Buffer> };
  if (typeof p !== 'object' || p === null || (p.type !== 'file' && p.type !== 'field')) return part;
  if (p.type === 'field') return p.value;
  const data = p._buf ?? (typeof p.toBuffer === 'function' ? await p.toBuffer() : Buffer.alloc(0));
  return { filename: p.filename ?? '', mimetype: p.mimetype ?? '', encoding: p.encoding ?? '', data } satisfies UploadedFile;
}
