/**
 * A small URL splitter for recorded request targets. WHATWG `URL` is not used on purpose: it
 * removes `.` and `..` path segments, and OBS object keys may legitimately contain them.
 */
import type { Scheme } from '../types';

/** One query parameter, names and values percent-decoded; `bare` when written without `=`. */
export interface QueryParam {
  name: string;
  value: string;
  bare: boolean;
}

/** The parts of a request target that OBS routing depends on. */
export interface UrlParts {
  /** Absent for origin-form targets (`/bucket/key`) and for schemes other than http(s). */
  scheme?: Scheme;
  /** Lower-cased, without port or brackets' contents changed; absent when unknown. */
  host?: string;
  /** The path as sent (still percent-encoded), at least `/`. */
  rawPath: string;
  query: QueryParam[];
}

const ABSOLUTE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/;

/** Percent-decodes, leaving the text as sent when it is not valid percent-encoded UTF-8. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Strips the port and lower-cases an authority's host; keeps IPv6 brackets. */
export function hostOf(authority: string): string {
  let h = authority;
  const at = h.lastIndexOf('@');
  if (at !== -1) h = h.slice(at + 1);
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return (end === -1 ? h : h.slice(0, end + 1)).toLowerCase();
  }
  const colon = h.indexOf(':');
  if (colon !== -1) h = h.slice(0, colon);
  // A fully qualified name may end with a dot.
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/** Splits a query string (without `?`); `+` stays a literal plus, as in OBS signatures. */
export function parseQuery(q: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (q === '') return out;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) out.push({ name: percentDecode(part), value: '', bare: true });
    else
      out.push({
        name: percentDecode(part.slice(0, eq)),
        value: percentDecode(part.slice(eq + 1)),
        bare: false,
      });
  }
  return out;
}

/**
 * Splits an absolute (`https://host/path?query`) or origin-form (`/path?query`) request target.
 * `hostHeader` supplies the host of an origin-form target.
 */
export function parseRequestUrl(url: string, hostHeader?: string): UrlParts {
  let rest = url;
  const parts: UrlParts = { rawPath: '/', query: [] };
  const m = ABSOLUTE.exec(url);
  if (m) {
    const scheme = (m[1] ?? '').toLowerCase();
    if (scheme === 'http' || scheme === 'https') parts.scheme = scheme;
    parts.host = hostOf(m[2] ?? '');
    rest = url.slice(m[0].length);
  } else if (hostHeader !== undefined && hostHeader !== '') {
    parts.host = hostOf(hostHeader);
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const qm = rest.indexOf('?');
  const path = qm === -1 ? rest : rest.slice(0, qm);
  parts.rawPath = path === '' ? '/' : path;
  if (qm !== -1) parts.query = parseQuery(rest.slice(qm + 1));
  return parts;
}
