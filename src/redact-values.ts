/**
 * Redaction by value: customer keys found by what they are, wherever they were put, rather than by the
 * name of the header they came in. src/redact.ts decides which values of an exchange are secrets; this
 * module finds those values, and any run that decodes to a 256-bit key, in any text or URL.
 *
 * Text is read through a percent-decoding view (`%2B`, and `%252B` as a double-encoding leaves it, read
 * as `+`), so a key is found however a URL or a tool escaped it, and replaced in the original text.
 */
import { decodeBase64, encodeBase64 } from './values/base64';

/** A string read with its percent-escapes decoded (repeatedly), and where each decoded character came from. */
interface DecodedView {
  text: string;
  /** Raw index where decoded character `i` starts; undefined when nothing was decoded (identity). */
  from: number[] | undefined;
  /** Raw index just past decoded character `i`; undefined for identity. */
  to: number[] | undefined;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The byte a `%XX` at `at` spells, or -1. */
function escapeAt(raw: string, at: number): number {
  if (raw.charCodeAt(at) !== 37 /* % */ || at + 2 >= raw.length) return -1;
  const hi = hexValue(raw.charCodeAt(at + 1));
  const lo = hexValue(raw.charCodeAt(at + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/**
 * Decodes percent-escapes byte by byte into code points 0-255; `%25` followed by two hex digits is
 * decoded again, as many times as it nests. Non-ASCII bytes decode to Latin-1 characters, which is
 * enough to compare ASCII names and find ASCII keys.
 */
function decodedView(raw: string): DecodedView {
  if (raw.indexOf('%') < 0) return { text: raw, from: undefined, to: undefined };
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < raw.length;) {
    let b = escapeAt(raw, i);
    if (b < 0) {
      from.push(i);
      text += raw[i];
      to.push(++i);
      continue;
    }
    const start = i;
    i += 3;
    // `%25` then two hex digits: a double-encoded escape, read as the escape it encodes.
    while (b === 37 && i + 1 < raw.length && hexValue(raw.charCodeAt(i)) >= 0) {
      const lo = hexValue(raw.charCodeAt(i + 1));
      if (lo < 0) break;
      b = hexValue(raw.charCodeAt(i)) * 16 + lo;
      i += 2;
    }
    from.push(start);
    to.push(i);
    text += String.fromCharCode(b);
  }
  return { text, from, to };
}

/** `s` with every percent-escape decoded, nested ones included; never throws. */
export function percentDecodeAll(s: string): string {
  return decodedView(s).text;
}

// Characters of base64 in either alphabet; the ones that may also separate words are soft boundaries.
function isRunChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 45 ||
    c === 95
  );
}
const isSoft = (c: number): boolean => c === 43 || c === 47 || c === 45 || c === 95;

/** Characters in a base64 spelling of 32 bytes, without padding. */
const KEY_BASE64_CHARS = 43;
/** Characters in a hex spelling of 32 bytes. */
const KEY_HEX_CHARS = 64;

// A piece of a header name: a word in lower, Title or upper case, or a digest's name (`MD5`, `sha256`).
const WORD = /^(?:[A-Za-z][a-z]*|[A-Z]+|md5|MD5|sha\d+|SHA\d+)$/;

function looksRandomBase64(s: string, a: number, b: number): boolean {
  // A key is anything but a name of words joined by hyphens, as header names are: 43 characters is the
  // length of `x-amz-server-side-encryption-aws-kms-key-id` and of `amz-server-side-encryption-customer-
  // key-MD5`. Random base64 that only `-` cuts into pieces that all read as words has odds far below
  // 1e-9, and keys of one repeated byte (`/Pz8/Pz8…`, `-vr6-vr6…`) fail the test by their `/`, `+`, `_`
  // or digits; only a key chosen to spell such a name is not found by its shape.
  const text = s.slice(a, b);
  if (/[+/_]/.test(text)) return true;
  const pieces = text.split('-');
  return pieces.length === 1 || !pieces.every((p) => WORD.test(p));
}

function isHexSpan(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (hexValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

/**
 * Spans `[from, to)` of `s` holding a run that decodes to 32 bytes: 43 base64 characters (either
 * alphabet, with the `=` that pads them) or 64 hex digits. A candidate starts and ends at the edge of a
 * run of base64 characters or next to one of `+ / - _`, so a key joined to a path (`/bucket/KEY`) or
 * a word (`x-KEY`) is found too.
 *
 * `glued` also takes any longer run that looks random (both cases, not a hyphenated name), the way the
 * engine redacts diagnostics: a key glued to other characters (`KEYabc`) is found, and so is any long
 * random token, an S3 upload id among them. For text people read; a recording that a tool reads back
 * keeps its upload ids (see {@link SecretValues.recording}).
 */
export function keyRunSpans(s: string, glued = false): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const n = s.length;
  for (let i = 0; i < n;) {
    if (!isRunChar(s.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    while (end < n && isRunChar(s.charCodeAt(end))) end++;
    if (end - i >= KEY_BASE64_CHARS) {
      findInRun(s, i, end, spans);
      if (glued && end - i > KEY_BASE64_CHARS && looksRandomBase64(s, i, end)) spans.push([i, end]);
    }
    i = end;
  }
  return spans;
}

function findInRun(s: string, start: number, end: number, spans: Array<[number, number]>): void {
  const startsAt = (k: number): boolean => k === start || isSoft(s.charCodeAt(k - 1));
  const endsAt = (k: number): boolean => k === end || isSoft(s.charCodeAt(k));
  // Every candidate is kept, overlapping ones too: in `/bucket/KEY` with a `/` inside KEY, `bucket/KE`
  // is a candidate as well as KEY, and only their union is sure to cover the key.
  for (let a = start; a + KEY_BASE64_CHARS <= end; a++) {
    if (!startsAt(a)) continue;
    const hex = a + KEY_HEX_CHARS;
    if (hex <= end && endsAt(hex) && isHexSpan(s, a, hex)) spans.push([a, hex]);
    const b = a + KEY_BASE64_CHARS;
    if (endsAt(b) && looksRandomBase64(s, a, b)) {
      // The padding belongs to the key.
      spans.push([a, b === end && s.charCodeAt(b) === 61 /* = */ ? b + 1 : b]);
    }
  }
}

const MIN_SECRET_CHARS = 8;

// The package root runs without Node built-ins (browsers, edge runtimes), so no Buffer here.
function decodeHex(v: string): Uint8Array {
  const out = new Uint8Array(v.length >> 1);
  for (let i = 0; i < out.length; i++)
    out[i] = hexValue(v.charCodeAt(2 * i)) * 16 + hexValue(v.charCodeAt(2 * i + 1));
  return out;
}

function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

/**
 * Whether `s` has 43 characters in a row that base64 or percent-escapes use: without such a run no
 * key can hide in it, escaped or not. A cheap test that spares the decoding view on most text.
 */
function hasKeyLongRun(s: string): boolean {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isRunChar(c) || c === 37 /* % */ || c === 61 /* = */) {
      if (++run >= KEY_BASE64_CHARS) return true;
    } else run = 0;
  }
  return false;
}
const BASE64ISH = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * The values known to be secret in one exchange, in every spelling they may take elsewhere: as sent,
 * and for a key given as base64 or hex, its bytes in standard and URL-safe base64 (unpadded, so the
 * padded forms match too) and in hex of either case. Values under 8 characters are not searched for:
 * they are redacted where they were sent, but words that short occur everywhere.
 */
export class SecretValues {
  /**
   * Redacting a recording (a HAR) that tools read back: only runs that decode to exactly 32 bytes are
   * taken by shape, so that upload ids survive for the session checks. Otherwise (the default, for
   * text people read) longer random runs are taken too (`glued` in {@link keyRunSpans}).
   */
  recording = false;
  private readonly exact = new Set<string>();
  /** Hex spellings, lower-case, compared case-insensitively. */
  private readonly hex = new Set<string>();

  /** Number of spellings searched for. */
  get size(): number {
    return this.exact.size + this.hex.size;
  }

  /** The spellings, for handing to another thread. */
  list(): string[] {
    return [...this.exact, ...[...this.hex].map((h) => `hex:${h}`)];
  }

  /** Rebuilds a set from {@link list}. */
  static fromList(list: readonly string[]): SecretValues {
    const s = new SecretValues();
    for (const v of list) {
      if (v.startsWith('hex:')) s.hex.add(v.slice(4));
      else s.exact.add(v);
    }
    return s;
  }

  /** Adds a secret value (raw or percent-encoded) with its other spellings. */
  add(value: string): void {
    const v = (value.indexOf('%') < 0 ? value : percentDecodeAll(value)).trim();
    if (v.length < MIN_SECRET_CHARS || v === '[REDACTED]') return;
    this.addExact(v);
    // `AAAA…` is hex and base64 at once: the bytes of either reading are spelt both ways.
    if (HEX.test(v)) this.addBytes(decodeHex(v));
    if (BASE64ISH.test(v)) this.addBytes(decodeBase64(v)); // either alphabet
  }

  private addBytes(bytes: Uint8Array): void {
    if (bytes.length < 6) return;
    const std = encodeBase64(bytes).replace(/=+$/, '');
    this.exact.add(std.replace(/\+/g, '-').replace(/\//g, '_'));
    this.addExact(std);
    this.hex.add(encodeHex(bytes));
  }

  private addExact(v: string): void {
    this.exact.add(v);
    // A form decoder reads `+` as a space, and some logs print what it made of the key.
    if (v.includes('+')) this.exact.add(v.replace(/\+/g, ' '));
  }

  /** Adds every run of `text` that decodes to 32 bytes. */
  addKeyRuns(text: string): void {
    const view = decodedView(text);
    for (const [a, b] of keyRunSpans(view.text)) this.add(view.text.slice(a, b));
  }

  /** Spans of `text` (decoded) holding one of the values. */
  spans(text: string): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (this.size === 0) return out;
    for (const v of this.exact) {
      for (let at = text.indexOf(v); at >= 0; at = text.indexOf(v, at + v.length))
        out.push([at, at + v.length]);
    }
    if (this.hex.size > 0) {
      const lower = text.toLowerCase();
      for (const v of this.hex) {
        for (let at = lower.indexOf(v); at >= 0; at = lower.indexOf(v, at + v.length))
          out.push([at, at + v.length]);
      }
    }
    return out;
  }
}

/**
 * `raw` with every run that decodes to 32 bytes (and, unless `secrets` is a recording's, every longer
 * random run), and every spelling of `secrets`, replaced by `replacement`. Matching happens on the percent-decoded text; the replacement covers the raw
 * characters (escapes included) the match came from, and everything else is kept byte for byte.
 */
export function redactValues(raw: string, secrets: SecretValues | undefined, replacement: string): string {
  // Fast path, as every log line passes here: nothing to search for, and no run long enough for a key.
  if (raw.length < MIN_SECRET_CHARS) return raw;
  if ((secrets === undefined || secrets.size === 0) && !hasKeyLongRun(raw)) return raw;
  const view = decodedView(raw);
  const spans = keyRunSpans(view.text, secrets?.recording !== true);
  if (secrets !== undefined) spans.push(...secrets.spans(view.text));
  if (spans.length === 0) return raw;
  spans.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    const rawA = view.from ? view.from[a]! : a;
    const rawB = view.to ? view.to[b - 1]! : b;
    if (rawB <= at) continue;
    if (rawA >= at) out += raw.slice(at, rawA) + replacement;
    at = rawB;
  }
  return out + raw.slice(at);
}
