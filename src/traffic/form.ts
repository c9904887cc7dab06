/**
 * PostObject carries its SSE settings as form fields, not headers (reference page, Operations).
 * This module recovers the non-file fields of a form: of a recorded body (the linter), and of a live
 * body up to its file part (the guard, which must decide before the file travels on).
 */
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import type { HeaderPair, PostData } from './exchange';

/** How many bytes of a live form the guard reads, at most, looking for the file part. */
export const FORM_PEEK_LIMIT = 64 * 1024;

/** Why a form's fields could not all be read: see {@link FormScan}. */
export type FormUnread = 'limit' | 'malformed' | 'incomplete';

/** The non-file fields of a form, and whether they are all of them. */
export interface FormScan {
  /** The fields, names lower-cased, in order; never the `file` field or a file part's content. */
  fields: HeaderPair[];
  /**
   * Absent when every field was read (for a live form: every field before the file part, which OBS
   * takes last). Otherwise why not: `limit`, more bytes than the limit before the file part;
   * `malformed`, not parseable as multipart/form-data; `incomplete`, the body ended or broke off first.
   */
  unread?: FormUnread;
}

/** Limits that keep a hostile or huge body from costing much; file parts are never kept. */
const LIMITS = { fields: 1000, parts: 1000, fieldSize: 1024 * 1024, fileSize: 0 };

function noop(): void {}

/**
 * busboy fed chunk by chunk. busboy parses and emits 'field' and 'file' synchronously inside write(),
 * so after each write the scanner knows whether the file part has begun.
 */
class FormScanner {
  readonly fields: HeaderPair[] = [];
  unread: FormUnread | undefined;
  fileSeen = false;
  private fed = 0;
  private ending = false;
  private readonly bb: busboy.Busboy | undefined;

  /**
   * @param limit bytes fed at most; beyond it the scan is `limit` unless the file part has begun.
   * @param stopAtFile ignore fields after the first file part (a live form: OBS takes the file last).
   */
  constructor(
    contentType: string,
    private readonly limit: number,
    private readonly stopAtFile: boolean,
  ) {
    try {
      this.bb = busboy({ headers: { 'content-type': contentType }, limits: LIMITS });
    } catch {
      this.unread = 'malformed';
      return;
    }
    this.bb.on('field', (name: string | undefined, value: string, info: busboy.FieldInfo) => {
      if (this.fileSeen && this.stopAtFile) return;
      // busboy hands over `undefined` for a part without a plain `name=` (`form-data` alone, or RFC 5987
      // `name*=`); what OBS makes of such a part is unknown, so the form cannot be vouched for.
      if (typeof name !== 'string') {
        this.unread ??= 'malformed';
        return;
      }
      if (info.valueTruncated || info.nameTruncated) this.unread ??= 'limit';
      const lower = name.toLowerCase();
      if (lower !== 'file') this.fields.push([lower, value]);
    });
    this.bb.on('file', (_name: string, stream: Readable) => {
      this.fileSeen = true;
      // fileSize 0 makes busboy drop file bytes; a form cut inside a file part errors that stream.
      stream.on('error', noop).resume();
    });
    this.bb.on('fieldsLimit', () => (this.unread ??= 'limit'));
    this.bb.on('partsLimit', () => (this.unread ??= 'limit'));
    // Before end() an error is a broken form; at the end it is a form that stopped short.
    this.bb.on('error', () => (this.unread ??= this.ending ? 'incomplete' : 'malformed'));
  }

  /** True once the outcome is known: the file part has begun, or the fields cannot all be read. */
  get decided(): boolean {
    return (this.stopAtFile && this.fileSeen) || this.unread !== undefined;
  }

  write(chunk: Buffer): void {
    if (this.decided || !this.bb) return;
    const room = this.limit - this.fed;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.fed += part.length;
    try {
      this.bb.write(part);
    } catch {
      // busboy runs its listeners inside write(); whatever throws there (a parser bug on hostile input
      // included) must become a verdict on this form, never an exception in a stream's event handler.
      this.unread ??= 'malformed';
    }
    if (!this.decided && this.fed >= this.limit) this.unread = 'limit';
  }

  /** Ends the form; resolves once busboy has judged its ending (a missing final boundary is an error). */
  end(): Promise<void> {
    const bb = this.bb;
    // An empty body is an empty form: nothing in it to check, as for a request without a body at all.
    if (this.decided || !bb || this.fed === 0) return Promise.resolve();
    this.ending = true;
    return new Promise((resolve) => {
      bb.once('error', () => resolve());
      bb.once('close', () => resolve());
      try {
        bb.end();
      } catch {
        this.unread ??= 'malformed';
        resolve();
      }
    });
  }

  result(): FormScan {
    return this.unread === undefined ? { fields: this.fields } : { fields: this.fields, unread: this.unread };
  }
}

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
  // A shortened or truncated recording ends mid-form; the fields before that point still count, and
  // so do fields recorded after the file part.
  const scanner = new FormScanner(type, Infinity, false);
  scanner.write(Buffer.from(text, 'utf8'));
  void scanner.end();
  return scanner.fields;
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
      return parseMultipart(postData.text, type || 'multipart/form-data');
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

/**
 * Whether a stream has received its end. Node has no public flag for this short of the 'end' event,
 * and by then nothing can be put back; `_readableState.ended` is what node's own stream helpers read.
 */
function endOfData(stream: Readable): boolean {
  return (stream as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

/**
 * The fields of a form held in memory, up to its file part and at most `limit` bytes: what the
 * guard reads of a body that an application hands over whole.
 */
export async function scanFormBytes(
  body: Uint8Array | string,
  contentType: string,
  limit = FORM_PEEK_LIMIT,
): Promise<FormScan> {
  const scanner = new FormScanner(contentType, limit, true);
  scanner.write(
    typeof body === 'string'
      ? Buffer.from(body, 'utf8')
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  );
  await scanner.end();
  return scanner.result();
}

/**
 * Reads a live form from `body` up to its file part (at most `limit` bytes), then puts every byte it
 * read back with `unshift`, so the stream still yields the whole body, byte for byte, to whoever
 * reads it next. Nothing beyond the limit is buffered.
 *
 * The stream must not be flowing yet. The result is `incomplete` when the stream ends without a
 * final boundary, or errors or closes before the scan is decided; in the latter case nothing is put
 * back, as nobody can read the stream any more.
 */
export function peekFormFields(
  body: Readable,
  contentType: string,
  limit = FORM_PEEK_LIMIT,
): Promise<FormScan> {
  const scanner = new FormScanner(contentType, limit, true);
  if (scanner.decided) return Promise.resolve(scanner.result());
  const consumed: Buffer[] = [];
  return new Promise((resolve) => {
    const stop = (): void => {
      body.off('readable', onReadable);
      body.off('error', onGone);
      body.off('close', onGone);
    };
    const putBack = (): void => {
      if (consumed.length > 0) body.unshift(consumed.length === 1 ? consumed[0] : Buffer.concat(consumed));
    };
    const onGone = (): void => {
      stop();
      scanner.unread ??= 'incomplete';
      resolve(scanner.result());
    };
    function onReadable(): void {
      let chunk: unknown;
      while ((chunk = body.read()) !== null) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
        consumed.push(buf);
        scanner.write(buf);
        if (scanner.decided) {
          stop();
          putBack();
          resolve(scanner.result());
          return;
        }
      }
      if (endOfData(body)) {
        // The read() that returned null scheduled 'end' for the next tick; bytes put back in this tick
        // cancel it, so the next reader still gets the whole body and then its end.
        stop();
        putBack();
        void scanner.end().then(() => resolve(scanner.result()));
      }
    }
    body.on('readable', onReadable);
    body.on('error', onGone);
    body.on('close', onGone);
  });
}
