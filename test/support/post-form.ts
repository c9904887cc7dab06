/**
 * PostObject forms for the hooks' tests, built and serialised by undici's own FormData (a real
 * client's bytes), and read back the way OBS would.
 */
import busboy from 'busboy';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FormData, Response } from 'undici';

export type Fields = Array<[string, string]>;

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A few MB of file content, none of it repeating at a boundary-like period. */
export const FILE = Buffer.alloc(3 * 1024 * 1024);
for (let i = 0; i < FILE.length; i += 1) FILE[i] = (i * 131) & 0xff;

/** An OBS POST form as an application builds it: the fields, then the file last. */
export function postForm(fields: Fields, file: Buffer = FILE): FormData {
  const fd = new FormData();
  for (const [name, value] of fields) fd.append(name, value);
  fd.append('file', new Blob([new Uint8Array(file)]), 'photo.bin');
  return fd;
}

/** The exact bytes and Content-Type undici serialises the form to. */
export async function formBytes(fields: Fields): Promise<{ bytes: Buffer; type: string }> {
  const res = new Response(postForm(fields));
  return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
}

/** A form as OBS would read it: its fields in order and the SHA-256 of its file part. */
export function parseForm(body: Buffer, type: string): Promise<{ fields: Fields; file: string | undefined }> {
  return new Promise((resolve, reject) => {
    const fields: Fields = [];
    let file: string | undefined;
    const bb = busboy({ headers: { 'content-type': type } });
    bb.on('field', (name: string, value: string) => fields.push([name, value]));
    bb.on('file', (_name: string, stream: Readable) => {
      const hash = createHash('sha256');
      stream.on('data', (c: Buffer) => hash.update(c));
      stream.on('end', () => (file = hash.digest('hex')));
    });
    bb.on('close', () => resolve({ fields, file }));
    bb.on('error', reject);
    bb.end(body);
  });
}
