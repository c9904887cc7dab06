/**
 * Header fields as the guard reads them: maps as undici and node:http hand them over turned into pairs,
 * and the one hop-by-hop policy that both the forwarding adapters and the core's judging apply, so
 * that what is judged is what is forwarded.
 */
import { type HeaderVisitor, Want, walkHeaders } from '../engine/header-shapes';
import type { HeaderPairs } from './contract';

/** A Buffer as the latin1 text node's parser would have made of it; anything else as its string. */
function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
}

function push(out: HeaderPairs, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    // A repeated field stays repeated: the engine judges repeats with different values itself.
    for (const v of value as unknown[]) push(out, name, v);
    return;
  }
  out.push([name, text(value)]);
}

/** The guard's reading of each entry: every name kept as text, values without null/undefined. */
const PAIRS: HeaderVisitor<HeaderPairs> = {
  entry: (out, name, value) => push(out, text(name), value),
  // Not a [name, value] entry: nothing a host could have sent.
  bad: () => undefined,
};

/**
 * Header pairs from any shape undici's dispatch options or node:http use (engine/header-shapes.ts): a
 * flat `[name, value, …]` array (strings or Buffers), an array or iterable of `[name, value]` entries
 * (`Headers`, `Map`), or a plain object whose values may be arrays. Array values become repeated pairs;
 * `undefined` and `null` values are dropped; Buffers are read as latin1.
 */
export function headerPairs(headers: unknown): HeaderPairs {
  const out: HeaderPairs = [];
  walkHeaders(headers, PAIRS, out, Want.Every);
  return out;
}

/** The first value of a field, by lower-case name. */
export function firstValue(pairs: HeaderPairs, lowerName: string): string | undefined {
  for (const [name, value] of pairs) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1) plus the legacy ones that behave the same way. They describe one
 * connection, so forwarding them would make the next hop act on a connection they were never about.
 * Proxy-Authorization/-Authenticate are the proxy's own credentials and challenges (§11.7) and go no further.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Turns node's flat `rawHeaders` array into name/value pairs. */
export function toPairs(raw: readonly string[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    pairs.push([raw[i] as string, raw[i + 1] as string]);
  }
  return pairs;
}

/** Turns pairs back into node's flat header array (which writeHead and http.request accept). */
export function toFlat(pairs: HeaderPairs): string[] {
  const flat: string[] = [];
  for (const [name, value] of pairs) flat.push(name, value);
  return flat;
}

/**
 * Case-insensitive name comparison that tries the two spellings seen in practice before lower-casing
 * (which allocates a string).
 */
function sameName(name: string, lower: string, canonical: string): boolean {
  return name === lower || name === canonical || name.toLowerCase() === lower;
}

/**
 * Adds the field names one Connection field value lists to `tokens`, other than the `keep-alive`/`close`
 * options that almost every message carries (those name no extra field to drop).
 */
function addConnectionTokens(value: string, tokens: Set<string> | undefined): Set<string> | undefined {
  // The usual values name no field; skip splitting and lower-casing them.
  if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close')
    return tokens;
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t !== '' && t !== 'keep-alive' && t !== 'close') (tokens ??= new Set()).add(t);
  }
  return tokens;
}

/** The lower-case field names listed in every Connection field of a flat header array. */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    // Length first: this runs twice per exchange, and lower-casing every name shows in profiles.
    if (name.length === 10 && sameName(name, 'connection', 'Connection'))
      tokens = addConnectionTokens(raw[i + 1] as string, tokens);
  }
  return tokens;
}

/** The fields of a message head that the proxy acts on, read in one pass along with the pairs. */
export interface HeadSummary {
  pairs: HeaderPairs;
  host?: string;
  contentLength?: string;
  /** All Transfer-Encoding fields, joined with `, `. */
  transferEncoding?: string;
  contentType?: string;
  keepAlive?: string;
}

/** Reads node's flat `rawHeaders` once (node's own `headers` object is built lazily, per message). */
export function summarizeHead(raw: readonly string[]): HeadSummary {
  const summary: HeadSummary = { pairs: [] };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    summary.pairs.push([name, value]);
    switch (name.length) {
      case 4:
        if (summary.host === undefined && sameName(name, 'host', 'Host')) summary.host = value;
        break;
      case 10:
        if (sameName(name, 'keep-alive', 'Keep-Alive')) summary.keepAlive = value;
        break;
      case 12:
        if (summary.contentType === undefined && sameName(name, 'content-type', 'Content-Type'))
          summary.contentType = value;
        break;
      case 14:
        if (sameName(name, 'content-length', 'Content-Length')) summary.contentLength = value;
        break;
      case 17:
        if (sameName(name, 'transfer-encoding', 'Transfer-Encoding')) {
          summary.transferEncoding =
            summary.transferEncoding === undefined ? value : `${summary.transferEncoding}, ${value}`;
        }
        break;
    }
  }
  return summary;
}

/**
 * Copies a flat header array without hop-by-hop fields, without the fields the Connection field names,
 * and without any name in `drop` (lower-case).
 */
export function stripHopByHop(raw: readonly string[], drop?: ReadonlySet<string>): HeaderPairs {
  const named = connectionTokens(raw);
  const out: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || drop?.has(lower)) continue;
    out.push([name, raw[i + 1] as string]);
  }
  return out;
}

// Name lengths that can be dropped without a Connection-named field: a name of any other length is kept
// without lower-casing it, which otherwise allocates a string per field twice per exchange.
const HOP_BY_HOP_LENGTHS = lengthMask(HOP_BY_HOP);
const dropLengthMasks = new WeakMap<ReadonlySet<string>, boolean[]>();

function lengthMask(names: Iterable<string>, base: readonly boolean[] = []): boolean[] {
  const mask = [...base];
  for (const name of names) mask[name.length] = true;
  return mask;
}

/**
 * {@link stripHopByHop} producing node's flat array directly, which the hot path passes on as is.
 * `drop` must not change after its first use here: its name lengths are cached per set.
 */
export function stripHopByHopFlat(raw: readonly string[], drop?: ReadonlySet<string>): string[] {
  const named = connectionTokens(raw);
  let mask = HOP_BY_HOP_LENGTHS;
  if (drop !== undefined) {
    let cached = dropLengthMasks.get(drop);
    if (cached === undefined) {
      cached = lengthMask(drop, HOP_BY_HOP_LENGTHS);
      dropLengthMasks.set(drop, cached);
    }
    mask = cached;
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (named === undefined && mask[name.length] !== true) {
      out.push(name, raw[i + 1] as string);
      continue;
    }
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || drop?.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}

/** The first value of a field in a flat header array, by case-insensitive name. */
export function flatHeaderValue(flat: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2)
    if ((flat[i] as string).toLowerCase() === lowerName) return flat[i + 1];
  return undefined;
}

/**
 * Reduces diagnostics to their code, severity and header name: diagnostics may quote the received header
 * value, and logs must never carry header values.
 */
export function loggableDiagnostics(
  diagnostics: readonly unknown[],
): Array<{ code?: string; severity?: string; header?: string }> {
  return diagnostics.map((d) => {
    const out: { code?: string; severity?: string; header?: string } = {};
    if (typeof d === 'object' && d !== null) {
      const r = d as Record<string, unknown>;
      if (typeof r.code === 'string') out.code = r.code;
      if (typeof r.severity === 'string') out.severity = r.severity;
      if (typeof r.header === 'string') out.header = r.header;
    }
    return out;
  });
}

/** Fields an adapter always sets itself on the hop to OBS, so a Connection field naming them changes nothing. */
const ADAPTER_OWN: ReadonlySet<string> = new Set(['host', 'content-length']);

/**
 * The request fields as they will be forwarded: without the fields a Connection field names (RFC 9110
 * §7.6.1 makes them hop-by-hop, and {@link stripHopByHopFlat} drops them on the way to OBS), so that
 * the guard judges what OBS receives. Host and Content-Length stay: every forwarding adapter sets them
 * itself. The standard hop-by-hop fields also stay when nothing else is dropped: none of them is an SSE
 * field, and leaving them spares a copy on every request. Returns `pairs` itself when nothing is dropped.
 */
export function forwardedPairs(pairs: HeaderPairs): HeaderPairs {
  let named: Set<string> | undefined;
  for (const [name, value] of pairs) {
    if (name.length === 10 && sameName(name, 'connection', 'Connection'))
      named = addConnectionTokens(value, named);
  }
  if (named === undefined) return pairs;
  const out: HeaderPairs = [];
  for (const pair of pairs) {
    const lower = pair[0].toLowerCase();
    if (ADAPTER_OWN.has(lower) || (!HOP_BY_HOP.has(lower) && !named.has(lower))) out.push(pair);
  }
  return out;
}
