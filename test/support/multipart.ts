/**
 * A multipart upload driven by hand over plain HTTP, path-style, in the OBS dialect: enough to send a
 * part under another SSE-C key than its initiate, which no SDK does on purpose.
 */
import { createHash } from 'node:crypto';
import type * as http from 'node:http';

import { sseCHeaders } from '../../src/sse-c';
import { request } from '../proxy/helpers';

/** Two throwaway SSE-C keys' headers. */
export const KEY_A = sseCHeaders(createHash('sha256').update('multipart key A').digest());
export const KEY_B = sseCHeaders(createHash('sha256').update('multipart key B').digest());

/** Every base64 key the helpers send, for "never in any output" assertions. */
export const KEYS_B64 = [KEY_A, KEY_B].map((h) => h['x-obs-server-side-encryption-customer-key']!);

/** A response as read in full. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to 127.0.0.1:port on a connection of its own; `host` sets Host (default 127.0.0.1:port). */
export async function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
  host?: string,
): Promise<Reply> {
  const r = await request(port, {
    method,
    path,
    headers: {
      Host: host ?? `127.0.0.1:${port}`,
      'Content-Length': String(body === undefined ? 0 : Buffer.byteLength(body)),
      ...headers,
    },
    ...(body !== undefined && { body }),
  });
  return { status: r.status, headers: r.headers, body: r.body };
}

/** InitiateMultipartUpload of `/bucket/key`; the upload id from the response body (or undefined). */
export async function initiate(
  port: number,
  path: string,
  key: Record<string, string>,
): Promise<Reply & { uploadId: string | undefined }> {
  const r = await send(port, 'POST', `${path}?uploads`, key);
  return { ...r, uploadId: /<UploadId>([^<]+)<\/UploadId>/.exec(r.body)?.[1] };
}

/** UploadPart `n` of an upload. */
export function part(
  port: number,
  path: string,
  uploadId: string,
  n: number,
  key: Record<string, string>,
  body: Buffer | string = `part ${n}`,
): Promise<Reply> {
  return send(port, 'PUT', `${path}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, key, body);
}

/** The codes named in a refusal's XML message (`[a, b]` at its end). */
export function refusedCodes(body: string): string[] {
  const m = /\[([^\]]*)\]<\/Message>/.exec(body);
  return m ? m[1]!.split(', ') : [];
}
