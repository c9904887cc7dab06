/**
 * PostObject carries its SSE settings as form fields, not headers (reference page, Operations).
 * This module recovers the non-file fields of a recorded form.
 */
import busboy from 'busboy';
import type { HeaderPair, PostData } from './exchange';

/** Limits that keep a hostile or huge recorded body from costing much. */
const LIMITS = { fields: 1000, parts: 1000, fieldSize: 1024 * 1024, fileSize: 0 };

function contentTypeOf(
  postData: PostData,
  headers?: ReadonlyArray<readonly [string, string]>,
): string | undefined {
  if (postData.mimeType) return postData.mimeType;
  if (!headers) return undefined;
  for (const [n, v] of headers) if (n.toLowerCase() === 'content-type') return v;
  return undefined;
}

/** The boundary a multipart body opens with, for recordings whose mime type lost it. */
function boundaryFromBody(text: string): string | undefined {
  const m = /^--([^\r\n]{1,200})\r?\n/.exec(text);
  return m?.[1];
}

function parseMultipart(text: string, contentType: string): HeaderPair[] {
  let type = contentType;
  if (!/;\s*boundary=/i.test(type)) {
    const b = boundaryFromBody(text);
    if (b === undefined) return [];
    type = `multipart/form-data; boundary="${b.replace(/["\\]/g, '')}"`;
  }
  const fields: HeaderPair[] = [];
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: { 'content-type': type }, limits: LIMITS });
  } catch {
    return [];
  }
  bb.on('field', (name, value) => fields.push([name, value]));
  // File parts are never read: fileSize 0 makes busboy drop their bytes.
  // A form cut inside a file part destroys that part's stream with an error: ignore it too.
  bb.on('file', (_name, stream) => stream.on('error', () => undefined).resume());
  // A shortened or truncated recording ends mid-form; the fields before that point still count.
  bb.on('error', () => undefined);
  // busboy parses and emits 'field' synchronously inside write(), so the fields are complete here.
  bb.write(Buffer.from(text, 'utf8'));
  bb.end();
  return fields;
}

/**
 * The non-file form fields of a recorded request body, names lower-cased, in order.
 *
 * Reads HAR `postData.params` when present; otherwise parses `postData.text` as
 * multipart/form-data (boundary from `postData.mimeType`, the `Content-Type` header, or the body's
 * first line) or as application/x-www-form-urlencoded. File parts, and the `file` field that
 * carries PostObject's content, are never returned.
 */
export function formFields(
  postData: PostData | undefined,
  headers?: ReadonlyArray<readonly [string, string]>,
): HeaderPair[] {
  if (!postData) return [];
  let fields: HeaderPair[];
  if (postData.params && postData.params.length > 0) {
    fields = [];
    for (const p of postData.params) if (p.fileName === undefined) fields.push([p.name, p.value]);
  } else if (postData.text !== undefined && postData.text !== '') {
    const type = contentTypeOf(postData, headers) ?? '';
    if (/^\s*application\/x-www-form-urlencoded\b/i.test(type)) {
      fields = [...new URLSearchParams(postData.text)];
    } else if (/^\s*multipart\/form-data\b/i.test(type) || (type === '' && postData.text.startsWith('--'))) {
      fields = parseMultipart(postData.text, type || 'multipart/form-data');
    } else {
      fields = [];
    }
  } else {
    fields = [];
  }
  const out: HeaderPair[] = [];
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (lower !== 'file') out.push([lower, value]);
  }
  return out;
}
