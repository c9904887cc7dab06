/**
 * Multipart sessions: UploadPart and UploadPartCopy must repeat the SSE-C algorithm, key and MD5 of
 * the InitiateMultipartUpload that opened the upload (reference page, cross-header fact 7). Only a
 * checker that sees the whole session can tell, so the linter and the reverse proxy remember a
 * fingerprint per upload id. A fingerprint never holds the key itself: the key MD5 identifies it.
 */
import type { Dialect } from '../types';

const UPLOAD_ID =
  /<(?:[A-Za-z_][\w.-]*:)?UploadId(?:\s[^>]*)?>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*?))\s*<\/(?:[A-Za-z_][\w.-]*:)?UploadId\s*>/;

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references of a text node. */
export function decodeXmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/**
 * The `<UploadId>` of an InitiateMultipartUpload response body (`InitiateMultipartUploadResult`),
 * with or without a namespace prefix, surrounding whitespace and CDATA tolerated; undefined when
 * absent or empty.
 */
export function extractUploadId(xml: string): string | undefined {
  const m = UPLOAD_ID.exec(xml);
  if (!m) return undefined;
  const id = m[1] !== undefined ? m[1].trim() : decodeXmlText(m[2] ?? '');
  return id === '' ? undefined : id;
}

/** What identifies an upload's SSE-C settings; never the key. */
export interface Fingerprint {
  algorithm?: string;
  keyMd5?: string;
  dialect?: Dialect;
}

/** Remembers the fingerprint of each open multipart upload. Shared by the linter and the proxy. */
export interface UploadSessionStore {
  /** The fingerprint recorded for the upload, or undefined when unknown or expired. */
  get(uploadId: string): Fingerprint | undefined;
  /** Records (or replaces) the fingerprint of an upload, normally from its InitiateMultipartUpload. */
  set(uploadId: string, fingerprint: Fingerprint): void;
  /** Forgets an upload (after CompleteMultipartUpload or AbortMultipartUpload). */
  delete(uploadId: string): boolean;
  /**
   * A networked store (src/session-store) answers {@link get} from a local cache and implements this to
   * fill it: resolves once each id's entry, if the shared store has one, is readable synchronously. It
   * never rejects (a store failure follows the store's failure policy). Returns undefined when there is
   * nothing to wait for; an in-memory store does not implement it.
   */
  load?(uploadIds: readonly string[]): Promise<void> | undefined;
}

/**
 * Thrown by {@link UploadSessionStore.get} of a shared store whose `closed` failure policy applies: the
 * shared store could not be read, so the session is neither known nor unknown. The tracker reports it as
 * `session/store-unavailable`.
 */
export class SessionStoreUnavailableError extends Error {
  constructor(message = 'the shared session store could not be read') {
    super(message);
    this.name = 'SessionStoreUnavailableError';
  }
}

/** The SSE-C fingerprint of a request's headers (either dialect), or undefined when it has none. */
export function fingerprintFromHeaders(
  headers: Iterable<readonly [string, string]>,
): Fingerprint | undefined {
  let fp: Fingerprint | undefined;
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    const dialect: Dialect | undefined = n.startsWith('x-obs-')
      ? 'obs'
      : n.startsWith('x-amz-')
        ? 's3'
        : undefined;
    if (!dialect) continue;
    const rest = n.slice(6);
    if (rest === 'server-side-encryption-customer-algorithm') {
      fp ??= { dialect };
      fp.algorithm = value;
    } else if (rest === 'server-side-encryption-customer-key-md5') {
      fp ??= { dialect };
      fp.keyMd5 = value;
    }
  }
  return fp;
}

/** Options of {@link MemoryUploadSessionStore}. */
export interface MemoryUploadSessionStoreOptions {
  /** Least recently used sessions are evicted beyond this. Default 50 000. */
  maxEntries?: number;
  /** A session unused (neither set nor read) for this long is forgotten. Default 24 h. */
  ttlMs?: number;
  /** Injectable clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Slot {
  fp: Fingerprint;
  expires: number;
}

/**
 * In-memory {@link UploadSessionStore}, bounded by size (LRU: reads and writes refresh) and by an
 * idle TTL. Multipart uploads can stay open for days, so the TTL slides with use rather than
 * counting from the InitiateMultipartUpload.
 */
export class MemoryUploadSessionStore implements UploadSessionStore {
  private readonly map = new Map<string, Slot>();
  private readonly max: number;
  private readonly ttl: number;
  private readonly now: () => number;
  private evicted = 0;

  constructor(options: MemoryUploadSessionStoreOptions = {}) {
    this.max = Math.max(1, options.maxEntries ?? 50_000);
    this.ttl = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Number of sessions held, expired ones not yet purged included. */
  get size(): number {
    return this.map.size;
  }

  /** A copy of the fingerprint; reading counts as use for LRU order and the idle TTL. */
  get(uploadId: string): Fingerprint | undefined {
    const slot = this.map.get(uploadId);
    if (!slot) return undefined;
    const now = this.now();
    if (slot.expires <= now) {
      this.map.delete(uploadId);
      return undefined;
    }
    // Map iteration order is insertion order: re-inserting makes this the most recently used.
    this.map.delete(uploadId);
    slot.expires = now + this.ttl;
    this.map.set(uploadId, slot);
    return { ...slot.fp };
  }

  /** Stores a copy holding only `algorithm`, `keyMd5` and `dialect`; evicts expired and excess sessions. */
  set(uploadId: string, fingerprint: Fingerprint): void {
    const now = this.now();
    // Copy only the known fields, so that nothing else a caller attached (a key!) is retained.
    const fp: Fingerprint = {};
    if (fingerprint.algorithm !== undefined) fp.algorithm = fingerprint.algorithm;
    if (fingerprint.keyMd5 !== undefined) fp.keyMd5 = fingerprint.keyMd5;
    if (fingerprint.dialect !== undefined) fp.dialect = fingerprint.dialect;
    this.map.delete(uploadId);
    this.map.set(uploadId, { fp, expires: now + this.ttl });
    this.purge(now);
  }

  /** Forgets an upload; true when it was held. */
  delete(uploadId: string): boolean {
    return this.map.delete(uploadId);
  }

  /**
   * With a fixed TTL refreshed on every use, the least recently used slot is also the first to
   * expire, so expired slots sit at the front of the map.
   */
  /** Sessions dropped so far to stay within `maxEntries` (not counting idle expiry). */
  get evictions(): number {
    return this.evicted;
  }

  private purge(now: number): void {
    for (const [id, slot] of this.map) {
      if (slot.expires > now && this.map.size <= this.max) break;
      // Expired sessions are forgotten as documented; only live ones pushed out by newer ones count.
      if (slot.expires > now) this.evicted += 1;
      this.map.delete(id);
    }
  }
}
