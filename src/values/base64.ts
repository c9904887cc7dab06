import { md5 } from '../md5';

const ALPHABET = '[A-Za-z0-9+/]';
// In canonical base64 the unused low bits of the last character are zero, which leaves only these characters.
const LAST_OF_TWO_BYTES = '[AEIMQUYcgkosw048]';
const LAST_OF_ONE_BYTE = '[AQgw]';

/**
 * A regular expression source matching exactly the canonical, padded, standard base64 of `bytes` bytes.
 * Shared by the engine and the generated JSON Schemas, so both accept the same strings.
 */
export function canonicalBase64Pattern(bytes: number): string {
  const groups = Math.floor(bytes / 3);
  const rest = bytes % 3;
  const head = groups > 0 ? `${ALPHABET}{${groups * 4}}` : '';
  if (rest === 0) return `^${head}$`;
  if (rest === 1) return `^${head}${ALPHABET}${LAST_OF_ONE_BYTE}==$`;
  return `^${head}${ALPHABET}{2}${LAST_OF_TWO_BYTES}=$`;
}

// 1 + the sextet value of each UTF-16 code unit that is a base64 character, 0 for any other: a table over
// every code unit spares the hot loop a range check.
const SEXTET = new Uint8Array(65536);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => {
  SEXTET[c.charCodeAt(0)] = i + 1;
});

/**
 * The same language as `canonicalBase64Pattern(bytes)`, without a regular expression: one table lookup per
 * character. The engine's hot path runs this; test/engine/values.test.ts proves the two agree.
 */
export function isCanonicalBase64(v: string, bytes: number): boolean {
  const length = base64Length(bytes);
  if (v.length !== length) return false;
  const pad = (3 - (bytes % 3)) % 3;
  const data = length - pad;
  for (let i = 0; i < data; i++) {
    if (SEXTET[v.charCodeAt(i)] === 0) return false;
  }
  for (let i = data; i < length; i++) if (v.charCodeAt(i) !== 61 /* = */) return false;
  // Canonical: the bits of the last character beyond the data are zero.
  const unused = pad === 0 ? 0 : pad === 1 ? 2 : 4;
  return unused === 0 || ((SEXTET[v.charCodeAt(data - 1)]! - 1) & ((1 << unused) - 1)) === 0;
}

/** Length in characters of the padded base64 of `bytes` bytes. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** A non-secret description of why `value` is not the canonical base64 of `bytes` bytes. */
export function describeBase64(value: string, bytes: number): string {
  if (value.length === 0) return 'it is empty';
  if (/^[0-9a-fA-F]+$/.test(value) && value.length === bytes * 2)
    return 'it looks like hex; encode the bytes as base64';
  if (/[-_]/.test(value) && !/[+/]/.test(value))
    return 'it uses the URL-safe alphabet; use standard base64 (+ and /)';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    return `it has ${value.length} characters, some outside the base64 alphabet`;
  const decoded = decodeBase64(value).length;
  if (decoded !== bytes) return `it decodes to ${decoded} bytes, not ${bytes}`;
  return `it has ${value.length} characters; the canonical form has ${base64Length(bytes)}, padded with '='`;
}

/** Base64 MD5 of the bytes a base64 string decodes to. */
export function md5OfBase64(value: string): string {
  if (!isCanonicalBase64(value, KEY_BYTES.length)) return encodeBase64(md5(decodeBase64(value)));
  // The common case, a 256-bit key: decode into a fixed scratch array instead of a new array per request,
  // and wipe it afterwards so no key bytes linger.
  decodeInto(value, KEY_BYTES);
  const digest = encodeBase64(md5(KEY_BYTES));
  KEY_BYTES.fill(0);
  return digest;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard, padded base64 of `bytes`, as `Buffer#toString('base64')` and `btoa` write it. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i;
    const bits = (bytes[i]! << 16) | ((rest > 1 ? bytes[i + 1]! : 0) << 8) | (rest > 2 ? bytes[i + 2]! : 0);
    out += LETTERS[bits >>> 18]! + LETTERS[(bits >>> 12) & 63]!;
    out += rest > 1 ? LETTERS[(bits >>> 6) & 63]! : '=';
    out += rest > 2 ? LETTERS[bits & 63]! : '=';
  }
  return out;
}

/**
 * Decodes base64 leniently, as Node's `Buffer.from(value, 'base64')` does: both alphabets, padding optional,
 * other characters skipped, and the first `=` ends the data.
 */
export function decodeBase64(value: string): Uint8Array {
  const out = new Uint8Array(Math.ceil((value.length * 3) / 4));
  let o = 0;
  let bits = 0;
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 61 /* = */) break;
    const v = c === 45 /* - */ ? 63 : c === 95 /* _ */ ? 64 : SEXTET[c]!;
    if (v === 0) continue;
    bits = (bits << 6) | (v - 1);
    if (++count === 4) {
      out[o++] = bits >>> 16;
      out[o++] = (bits >>> 8) & 255;
      out[o++] = bits & 255;
      bits = count = 0;
    }
  }
  if (count === 2) out[o++] = bits >>> 4;
  else if (count === 3) {
    out[o++] = bits >>> 10;
    out[o++] = (bits >>> 2) & 255;
  }
  return out.subarray(0, o);
}

const KEY_BYTES = new Uint8Array(32);

/** Decodes canonical base64 (already checked) into `out`, which has exactly the decoded length. */
function decodeInto(v: string, out: Uint8Array): void {
  let o = 0;
  for (let i = 0; i < v.length; i += 4) {
    const c = v.charCodeAt(i + 2);
    const d = v.charCodeAt(i + 3);
    const bits =
      ((SEXTET[v.charCodeAt(i)]! - 1) << 18) |
      ((SEXTET[v.charCodeAt(i + 1)]! - 1) << 12) |
      ((c === 61 ? 0 : SEXTET[c]! - 1) << 6) |
      (d === 61 ? 0 : SEXTET[d]! - 1);
    out[o++] = bits >> 16;
    if (c !== 61) out[o++] = (bits >> 8) & 255;
    if (d !== 61) out[o++] = bits & 255;
  }
}
