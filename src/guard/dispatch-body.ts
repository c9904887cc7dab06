/**
 * PostObject's SSE settings are form fields in its body. The undici interceptor reads them from
 * whatever body an application handed to undici (or `fetch` did), and dispatches a body that still
 * yields every byte.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import type { HeaderPair } from '../traffic/exchange';
import { FORM_PEEK_LIMIT, peekFormFields, scanFormBytes, type FormScan } from '../traffic/form';

/** The fields read, and the body to dispatch in place of the one given. */
export interface ReadFormBody {
  form: FormScan;
  body: unknown;
  /** A stream this module made around the caller's body: destroy it when the request goes nowhere. */
  wrapper?: Readable;
}

/** Like undici's own test: the realm-independent tag, since Node's global and undici's classes differ. */
function tagged(value: object, tags: readonly string[]): boolean {
  return tags.includes((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] as string);
}

function isFormData(value: object): value is FormData {
  return tagged(value, ['FormData']) && typeof (value as FormData).entries === 'function';
}

function isBlob(value: object): value is Blob {
  return tagged(value, ['Blob', 'File']) && typeof (value as Blob).slice === 'function';
}

function isNodeReadable(value: object): value is Readable {
  const r = value as Partial<Readable>;
  return typeof r.pipe === 'function' && typeof r.on === 'function' && typeof r.unshift === 'function';
}

/** Node's own web streams only: `Readable.fromWeb` refuses look-alikes, which fall to the iterable case. */
function isWebStream(value: object): value is WebReadableStream {
  return value instanceof globalThis.ReadableStream;
}

function isIterable(value: object): value is Iterable<unknown> | AsyncIterable<unknown> {
  const v = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof v[Symbol.asyncIterator] === 'function' || typeof v[Symbol.iterator] === 'function';
}

/**
 * The string entries before the first file, as busboy would read them off the wire. All of them:
 * they are in memory already, so no byte limit applies and nothing goes unread.
 */
function formDataFields(form: FormData): FormScan {
  const fields: HeaderPair[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') break;
    const lower = name.toLowerCase();
    if (lower !== 'file') fields.push([lower, value]);
  }
  return { fields };
}

async function peekWrapped(wrapper: Readable, contentType: string): Promise<ReadFormBody> {
  return { form: await peekFormFields(wrapper, contentType), body: wrapper, wrapper };
}

/**
 * Reads the fields of a PostObject body of any kind undici's dispatch accepts, up to the file part and
 * at most {@link FORM_PEEK_LIMIT} bytes of it. Bytes in memory are scanned where they lie; a stream is
 * peeked and its bytes put back (web streams and iterables, `fetch`'s body among them, are first wrapped
 * in a Readable, which is then the body to dispatch); a Blob is scanned through a slice and dispatched
 * as it is; FormData's entries are read, since undici serialises it only later. `null` is an empty form
 * with nothing unread. Any other value is `malformed` (undici refuses such a body itself). A Blob that
 * cannot be read, and a Readable that is destroyed, ended or flowing already, are `incomplete`.
 */
export async function readFormBody(body: unknown, contentType: string | undefined): Promise<ReadFormBody> {
  if (body === null || body === undefined) return { form: { fields: [] }, body };
  if (typeof body === 'string') return { form: await scanFormBytes(body, contentType ?? ''), body };
  if (typeof body !== 'object') return { form: { fields: [], unread: 'malformed' }, body };
  if (body instanceof ArrayBuffer) {
    return { form: await scanFormBytes(new Uint8Array(body), contentType ?? ''), body };
  }
  if (ArrayBuffer.isView(body)) {
    const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { form: await scanFormBytes(bytes, contentType ?? ''), body };
  }
  if (isFormData(body)) return { form: formDataFields(body), body };
  if (isBlob(body)) {
    // undici sends a Blob's own type when the request names none.
    const type = contentType ?? body.type;
    try {
      const head = new Uint8Array(await body.slice(0, FORM_PEEK_LIMIT).arrayBuffer());
      return { form: await scanFormBytes(head, type), body };
    } catch {
      return { form: { fields: [], unread: 'incomplete' }, body };
    }
  }
  if (isNodeReadable(body)) {
    // A stream that is over, or already flowing to someone else, would never show the guard its form.
    if (body.destroyed || body.readableEnded || body.readableFlowing === true) {
      return { form: { fields: [], unread: 'incomplete' }, body };
    }
    return { form: await peekFormFields(body, contentType ?? ''), body };
  }
  if (isWebStream(body)) return peekWrapped(Readable.fromWeb(body), contentType ?? '');
  if (isIterable(body)) return peekWrapped(Readable.from(body, { objectMode: false }), contentType ?? '');
  return { form: { fields: [], unread: 'malformed' }, body };
}
