import { createWriteStream, type WriteStream } from 'node:fs';
import {
  exchangeSecrets,
  isSecretQueryParam,
  redactFormFields,
  redactHeaders,
  redactText,
  redactUrl,
  redactUrlencodedText,
  REDACTED,
  type SecretValues,
} from '../redact';
import type {
  HarCreator,
  HarEntry,
  HarNameValue,
  HarParam,
  HarPostData,
  HarTimings,
  ObsSseHarField,
} from './types';

export type * from './types';

/** Bodies larger than this are never copied into a HAR file as text. */
export const MAX_HAR_TEXT_BYTES = 64 * 1024;

/** One finished HTTP exchange, as a proxy or server sees it, before it becomes a {@link HarEntry}. */
export interface HarExchange {
  /** When the request started: a `Date` or an ISO 8601 string. */
  startedDateTime: Date | string;
  method: string;
  /** Absolute URL (`http://host:port/path?query`) as the client addressed it. */
  url: string;
  /** `HTTP/1.1` unless given. */
  httpVersion?: string;
  requestHeaders: ReadonlyArray<readonly [string, string]>;
  /** Omit for bodiless requests. */
  requestBody?: {
    mimeType: string;
    /** Bytes received. */
    size: number;
    /** Form fields of a small form post (PostObject); file fields without their content. */
    params?: HarParam[];
    /**
     * Text of a small control body (a form post, CompleteMultipartUpload XML). Never object data:
     * the caller decides what is data; text over {@link MAX_HAR_TEXT_BYTES} is dropped here.
     */
    text?: string;
  };
  status: number;
  statusText?: string;
  responseHeaders: ReadonlyArray<readonly [string, string]>;
  /** Bytes sent; defaults to the `content-length` response header, else 0. */
  responseBodySize?: number;
  /** Defaults to the `content-type` response header. */
  responseMimeType?: string;
  /**
   * Text of a small XML response (an error, the InitiateMultipartUpload result carrying the UploadId).
   * Kept only when the MIME type is XML and it is at most {@link MAX_HAR_TEXT_BYTES}; never pass object data.
   */
  responseBodyText?: string;
  /** Missing `send`/`wait`/`receive` count as 0. */
  timings?: Partial<HarTimings>;
  serverIPAddress?: string;
  comment?: string;
  /** Written as the entry's `_obsSse` custom field. */
  obsSse?: ObsSseHarField;
}

const textBytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const isXmlMime = (mime: string): boolean => /(^|[/+])xml\b/i.test(mime);

const isUrlencodedMime = (mime: string): boolean => /application\/x-www-form-urlencoded/i.test(mime);

function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

function decodeComponent(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return component;
  }
}

/**
 * The decoded query parameters of a URL, in order; a malformed URL yields what can be read. Secret
 * values are redacted by name here; {@link redactHarEntry} redacts the rest by value.
 */
export function harQueryString(url: string): HarNameValue[] {
  const hashAt = url.indexOf('#');
  const noHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = noHash.indexOf('?');
  if (queryAt < 0) return [];
  return noHash
    .slice(queryAt + 1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
      return { name, value: isSecretQueryParam(name) && value !== '' ? REDACTED : value };
    });
}

function redactPostData(postData: HarPostData, secrets: SecretValues): HarPostData {
  const out: HarPostData = { mimeType: postData.mimeType };
  if (postData.params) out.params = redactFormFields(postData.params, secrets);
  if (postData.text !== undefined && textBytes(postData.text) <= MAX_HAR_TEXT_BYTES) {
    out.text = isUrlencodedMime(postData.mimeType)
      ? redactUrlencodedText(postData.text, secrets)
      : redactText(postData.text, secrets);
  }
  if (postData.comment !== undefined) out.comment = redactText(postData.comment, secrets);
  return out;
}

function sumTimings(t: HarTimings): number {
  const parts = [t.blocked, t.dns, t.connect, t.send, t.wait, t.receive];
  // `ssl` is part of `connect` in HAR 1.2, so it is not added again.
  return parts.reduce<number>((acc, v) => (typeof v === 'number' && v > 0 ? acc + v : acc), 0);
}

const nameValues = (pairs: ReadonlyArray<readonly [string, string]>): HarNameValue[] =>
  pairs.map(([name, value]) => ({ name, value }));

/**
 * A HAR entry for one exchange, with every secret redacted by {@link redactHarEntry}: headers, the URL
 * and its query string, form fields and body text. Pure: same input, same output, nothing written.
 */
export function toHarEntry(exchange: HarExchange): HarEntry {
  const started =
    exchange.startedDateTime instanceof Date
      ? exchange.startedDateTime.toISOString()
      : exchange.startedDateTime;
  const httpVersion = exchange.httpVersion ?? 'HTTP/1.1';
  const timings: HarTimings = {
    blocked: exchange.timings?.blocked ?? -1,
    dns: exchange.timings?.dns ?? -1,
    connect: exchange.timings?.connect ?? -1,
    send: Math.max(0, exchange.timings?.send ?? 0),
    wait: Math.max(0, exchange.timings?.wait ?? 0),
    receive: Math.max(0, exchange.timings?.receive ?? 0),
    ssl: exchange.timings?.ssl ?? -1,
  };

  let postData: HarPostData | undefined;
  const body = exchange.requestBody;
  if (body) {
    postData = { mimeType: body.mimeType };
    if (body.params) postData.params = body.params;
    else if (body.text !== undefined) postData.text = body.text;
  }

  const contentLength = headerValue(exchange.responseHeaders, 'content-length');
  const responseSize =
    exchange.responseBodySize ?? (contentLength !== undefined ? Number(contentLength) || 0 : 0);
  const mimeType = exchange.responseMimeType ?? headerValue(exchange.responseHeaders, 'content-type') ?? '';
  const content: HarEntry['response']['content'] = { size: responseSize, mimeType };
  const text = exchange.responseBodyText;
  if (text !== undefined && isXmlMime(mimeType) && textBytes(text) <= MAX_HAR_TEXT_BYTES) {
    content.text = text;
  }
  const location = headerValue(exchange.responseHeaders, 'location');

  const entry: HarEntry = {
    startedDateTime: started,
    time: sumTimings(timings),
    request: {
      method: exchange.method,
      url: exchange.url,
      httpVersion,
      cookies: [],
      headers: nameValues(exchange.requestHeaders),
      queryString: harQueryString(exchange.url),
      headersSize: -1,
      bodySize: body ? body.size : 0,
    },
    response: {
      status: exchange.status,
      statusText: exchange.statusText ?? '',
      httpVersion,
      cookies: [],
      headers: nameValues(exchange.responseHeaders),
      content,
      redirectURL: location ?? '',
      headersSize: -1,
      bodySize: responseSize,
    },
    cache: {},
    timings,
  };
  if (postData) entry.request.postData = postData;
  if (exchange.serverIPAddress !== undefined) entry.serverIPAddress = exchange.serverIPAddress;
  if (exchange.comment !== undefined) entry.comment = exchange.comment;
  if (exchange.obsSse !== undefined) entry._obsSse = exchange.obsSse;
  return redactHarEntry(entry);
}

/** The secrets of an entry: everything {@link exchangeSecrets} reads, from where HAR keeps it. */
function entrySecrets(entry: HarEntry): SecretValues {
  const { request, response } = entry;
  const pairs = (list: readonly HarNameValue[]): Array<[string, string]> =>
    list.map((h) => [h.name, h.value]);
  const secrets = exchangeSecrets({
    url: request.url,
    headers: [...pairs(request.headers), ...pairs(response.headers)],
    fields: [...(request.postData?.params ?? []), ...request.queryString],
    texts: [request.postData?.text, response.content.text, response.redirectURL],
  });
  // `obs-sse lint` reads the recording back: upload ids must stay to tie parts to their upload.
  secrets.recording = true;
  return secrets;
}

/**
 * A copy of a HAR entry with every secret redacted, however it was built: by name (secret headers,
 * query parameters and form fields, cookies) and by value, with the secrets the entry itself holds
 * ({@link exchangeSecrets}) and any run that decodes to 32 bytes replaced in every string of the
 * request and response: the URL and its query string, header names and values, form fields and body
 * text, the redirect URL and the comment. {@link HarWriter.add} applies it to whatever it is given; it
 * is idempotent.
 */
export function redactHarEntry(entry: HarEntry): HarEntry {
  const secrets = entrySecrets(entry);
  const redactPairs = (pairs: HarNameValue[]): HarNameValue[] =>
    redactHeaders(
      pairs.map((h) => [h.name, h.value] as const),
      secrets,
    ).map(([name, value], i) => ({ ...pairs[i], name, value }));
  const request = {
    ...entry.request,
    url: redactUrl(entry.request.url, secrets),
    headers: redactPairs(entry.request.headers),
    queryString: entry.request.queryString.map((q) => {
      const value = isSecretQueryParam(q.name) && q.value !== '' ? REDACTED : redactText(q.value, secrets);
      return { ...q, name: redactText(q.name, secrets), value };
    }),
    cookies: entry.request.cookies.map((c) => ({ ...c, value: REDACTED })),
  };
  if (entry.request.postData) request.postData = redactPostData(entry.request.postData, secrets);
  const content = { ...entry.response.content };
  if (content.text !== undefined) {
    if (textBytes(content.text) > MAX_HAR_TEXT_BYTES) delete content.text;
    else content.text = redactText(content.text, secrets);
  }
  const out: HarEntry = {
    ...entry,
    request,
    response: {
      ...entry.response,
      headers: redactPairs(entry.response.headers),
      cookies: entry.response.cookies.map((c) => ({ ...c, value: REDACTED })),
      content,
      redirectURL: redactUrl(entry.response.redirectURL, secrets),
    },
    cache: {},
    timings: { ...entry.timings },
  };
  if (entry.comment !== undefined) out.comment = redactText(entry.comment, secrets);
  return out;
}

/** Options for {@link HarWriter.open}. */
export interface HarWriterOptions {
  /** Written as `log.creator`; defaults to this package. */
  creator?: HarCreator;
  /** Written as `log.comment`. */
  comment?: string;
}

/**
 * Writes a HAR 1.2 file entry by entry as exchanges complete, so a long proxy session never holds its
 * entries in memory. The file is valid JSON only after {@link HarWriter.close}.
 *
 * ```ts
 * const har = await HarWriter.open('session.har');
 * await har.add(toHarEntry(exchange));   // once per exchange, in completion order
 * await har.close();
 * ```
 */
export class HarWriter {
  private count = 0;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly stream: WriteStream,
    /** The file being written. */
    readonly path: string,
  ) {
    stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Creates (or truncates) `path` and writes the HAR preamble. Rejects if the file cannot be opened. */
  static async open(path: string, options: HarWriterOptions = {}): Promise<HarWriter> {
    const stream = createWriteStream(path, { flags: 'w', encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    const writer = new HarWriter(stream, path);
    const log: Record<string, unknown> = {
      version: '1.2',
      creator: options.creator ?? { name: 'obs-sse-rules', version: '0.1.0' },
      pages: [],
    };
    if (options.comment !== undefined) log.comment = options.comment;
    // The log object is written without its closing braces so that entries can follow it.
    const preamble = JSON.stringify({ log }).slice(0, -2);
    await writer.write(`${preamble},"entries":[`);
    return writer;
  }

  /** Entries written so far. */
  get entryCount(): number {
    return this.count;
  }

  /**
   * Appends one entry, redacted with {@link redactHarEntry}. The promise settles when the bytes are
   * handed to the file; callers that do not await still get entries in call order.
   */
  add(entry: HarEntry): Promise<void> {
    if (this.closing) return Promise.reject(new Error('HarWriter: add() after close()'));
    const json = JSON.stringify(redactHarEntry(entry));
    const chunk = (this.count === 0 ? '\n' : ',\n') + json;
    this.count += 1;
    return this.write(chunk);
  }

  /** Convenience for `add(toHarEntry(exchange))`. */
  addExchange(exchange: HarExchange): Promise<void> {
    return this.add(toHarEntry(exchange));
  }

  /** Ends the entries array and the document, and closes the file. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.write('\n]}}\n').catch(() => undefined);
      // 'close' follows both a clean finish and a failure; a stream that already failed has closed.
      if (!this.stream.closed) {
        await new Promise<void>((resolve) => {
          this.stream.once('close', () => resolve());
          this.stream.end();
        });
      }
      if (this.failure) throw this.failure;
    })();
    return this.closing;
  }

  private write(chunk: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.stream.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  }
}
