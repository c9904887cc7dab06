/**
 * Multipart sessions (reference page, cross-header fact 7): every UploadPart and UploadPartCopy must
 * repeat the SSE-C algorithm, key and MD5 of the InitiateMultipartUpload that opened the upload. Appendable
 * objects likewise (追加写对象, constraint 2): every later append repeats the first append's SSE-C key. The
 * tracker remembers a fingerprint (algorithm and key MD5, never the key) per upload id and per appended object.
 */
import type { Diagnostic, Dialect } from '../types';
import {
  extractUploadId,
  MemoryUploadSessionStore,
  SessionStoreUnavailableError,
  type Fingerprint,
  type UploadSessionStore,
} from '../traffic/upload-id';
import { catalogueNames } from './names';
import { checkerFor, report, type InspectOptions } from './report';
import type { RequestInspection } from './request';

/** Options of {@link SessionTracker}. */
export interface SessionTrackerOptions extends InspectOptions {
  /** Where fingerprints live by upload id; default a {@link MemoryUploadSessionStore}. */
  store?: UploadSessionStore;
  /**
   * Initiates whose response named no upload id (a recording without bodies), by bucket and key, until a
   * part's URL reveals the id; default a {@link MemoryUploadSessionStore} of 10 000 entries.
   */
  pending?: UploadSessionStore;
}

/** The part of a response the tracker reads. */
export interface SessionResponse {
  status: number;
  /** The response body, when small and textual: InitiateMultipartUpload's XML names the upload id. */
  body?: string;
}

const hasCustomer = (fp: Fingerprint | undefined): fp is Fingerprint =>
  fp !== undefined && (fp.algorithm !== undefined || fp.keyMd5 !== undefined);

/** Where an appendable object's first append is remembered: not an upload id (those have no newline). */
const appendKey = (r: RequestInspection): string => `append\n${objectKey(r) ?? ''}`;

const objectKey = (r: RequestInspection): string | undefined =>
  r.classification.kind === 'operation'
    ? `${r.classification.bucket}\n${r.classification.key ?? ''}`
    : undefined;

/**
 * What a request's session is kept under: the upload id of a part or of a CompleteMultipartUpload, or a
 * later append's object.
 */
function sessionKey(
  req: RequestInspection,
): { key: string; kind: 'part' | 'complete' | 'append' } | undefined {
  const c = req.classification;
  if (c.kind !== 'operation') return undefined;
  if (c.operation === 'AppendObject') {
    return c.position === undefined || c.position === 0 ? undefined : { key: appendKey(req), kind: 'append' };
  }
  const kind =
    c.operation === 'UploadPart' || c.operation === 'UploadPartCopy'
      ? 'part'
      : c.operation === 'CompleteMultipartUpload'
        ? 'complete'
        : undefined;
  return kind === undefined || c.uploadId === undefined ? undefined : { key: c.uploadId, kind };
}

function noop(): void {}

/**
 * Follows multipart uploads through a stream of inspected exchanges, in the order they happened. Call
 * {@link request} for every request (a proxy can refuse a mismatching part before forwarding it) and
 * {@link response} for every response.
 */
export class SessionTracker {
  private readonly store: UploadSessionStore;
  private readonly pending: UploadSessionStore;

  constructor(private readonly options: SessionTrackerOptions = {}) {
    this.store = options.store ?? new MemoryUploadSessionStore();
    this.pending = options.pending ?? new MemoryUploadSessionStore({ maxEntries: 10_000 });
  }

  /**
   * For UploadPart and UploadPartCopy of a known upload: `session/key-mismatch` when the part's SSE-C
   * key MD5 or algorithm differs from the initiate's, or when only one of them carries SSE-C. A
   * CompleteMultipartUpload need not repeat the triple (reference fact 13), but one it carries must be the
   * upload's. A part or CompleteMultipartUpload of an upload the tracker does not hold (never seen open,
   * evicted, expired) is `session/unknown-upload`: it cannot be compared, and saying so keeps an eviction
   * from failing open in silence.
   */
  request(req: RequestInspection): Diagnostic[] {
    const session = sessionKey(req);
    if (session === undefined) return [];
    const c = req.classification;
    const upload = session.kind !== 'append';
    // 追加写对象, constraint 2: every append to an SSE-C object carries the key of its first append.
    const other = upload || c.kind !== 'operation' ? session.key : String(c.position);
    let opened: Fingerprint | undefined;
    try {
      opened = upload ? this.opened(req, session.key) : this.store.get(session.key);
    } catch (err) {
      if (!(err instanceof SessionStoreUnavailableError)) throw err;
      // A completion carries no key to compare: refusing it would only strand the upload, so it is
      // reported as not vouched for, like an upload the store does not hold.
      if (session.kind === 'complete') return this.report('session/unknown-upload', req, other, undefined);
      return this.report('session/store-unavailable', req, other, undefined);
    }
    // An upload the store does not hold cannot be compared; saying so keeps an eviction from failing open
    // in silence. A later append without a first append on record is an object appended elsewhere.
    if (!opened) return upload ? this.report('session/unknown-upload', req, other, undefined) : [];
    // A CompleteMultipartUpload need not repeat the triple (reference fact 13), but one it carries must be the
    // upload's.
    if (session.kind === 'complete' && !hasCustomer(req.sse.customer)) return [];
    return this.mismatch(
      req,
      opened,
      session.kind === 'append' ? 'append/key-mismatch' : 'session/key-mismatch',
      other,
    );
  }

  /**
   * Lets a shared store fetch what {@link request} will read for this request (the upload id of a part
   * or a completion and the pending initiate of its object, or a later append's first append); undefined
   * when there is nothing to wait for, which is every other request, and every request without a shared
   * store.
   */
  prepare(req: RequestInspection): Promise<void> | undefined {
    if (this.store.load === undefined && this.pending.load === undefined) return undefined;
    const session = sessionKey(req);
    if (session === undefined) return undefined;
    const key = session.kind === 'append' ? undefined : objectKey(req);
    const a = this.store.load?.([session.key]);
    const b = key === undefined ? undefined : this.pending.load?.([key]);
    if (a === undefined && b === undefined) return undefined;
    return Promise.all([a, b]).then(noop);
  }

  /** The initiate's fingerprint for an upload id: by the id, or by the object until an id binds it. */
  private opened(req: RequestInspection, uploadId: string): Fingerprint | undefined {
    const opened = this.store.get(uploadId);
    if (opened) return opened;
    const key = objectKey(req);
    const pending = key === undefined ? undefined : this.pending.get(key);
    if (!pending) return undefined;
    this.store.set(uploadId, pending);
    this.pending.delete(key as string);
    return pending;
  }

  /**
   * The diagnostic when a request's SSE-C algorithm or key MD5 differs from the fingerprint that opened its
   * upload or appendable object, or when only one of them carries SSE-C.
   */
  private mismatch(
    req: RequestInspection,
    opened: Fingerprint,
    code: 'session/key-mismatch' | 'append/key-mismatch',
    other: string,
  ): Diagnostic[] {
    const part = req.sse.customer;
    if (!hasCustomer(opened) && !hasCustomer(part)) return [];
    let differs: 'cMd5' | 'cAlg' | undefined;
    if (!hasCustomer(opened) || !hasCustomer(part)) {
      differs = (hasCustomer(opened) ? opened : part)?.keyMd5 !== undefined ? 'cMd5' : 'cAlg';
    } else if (opened.keyMd5 !== part.keyMd5) differs = 'cMd5';
    else if (opened.algorithm !== part.algorithm) differs = 'cAlg';
    if (!differs) return [];
    const dialect: Dialect = (hasCustomer(part) ? part.dialect : opened.dialect) ?? req.dialect ?? 'obs';
    return this.report(code, req, other, catalogueNames(checkerFor(this.options)).spelled(differs, dialect));
  }

  private report(
    code:
      'session/key-mismatch' | 'append/key-mismatch' | 'session/store-unavailable' | 'session/unknown-upload',
    req: RequestInspection,
    other: string,
    header: string | undefined,
  ): Diagnostic[] {
    const d = report(
      code,
      {
        ...(header !== undefined && { header }),
        operation: req.operation!,
        direction: 'request',
        other,
      },
      this.options,
    );
    return d ? [d] : [];
  }

  /**
   * Records the fingerprint of a successful InitiateMultipartUpload under the upload id its body names,
   * or, without a body, under its bucket and key until a part's URL names the id. Forgets an upload
   * once CompleteMultipartUpload succeeds.
   */
  response(req: RequestInspection, res: SessionResponse): void {
    const c = req.classification;
    if (c.kind !== 'operation' || res.status < 200 || res.status > 299) return;
    if (c.operation === 'InitiateMultipartUpload') {
      // An initiate without SSE-C is remembered too: a part that adds SSE-C does not match it either.
      const fp: Fingerprint = req.sse.customer ?? {};
      const uploadId = res.body === undefined ? undefined : extractUploadId(res.body);
      if (uploadId !== undefined) this.store.set(uploadId, fp);
      else this.pending.set(objectKey(req) as string, fp);
    } else if (c.operation === 'CompleteMultipartUpload' && c.uploadId !== undefined) {
      this.store.delete(c.uploadId);
    } else if (c.operation === 'AppendObject' && c.position === 0) {
      // The first append creates the object and fixes its encryption; without SSE-C it is remembered too.
      this.store.set(appendKey(req), req.sse.customer ?? {});
    }
    // A PUT that replaces an appendable object needs no forgetting: a later append to it fails at OBS
    // (ObjectNotAppendable), and a new first append (position=0) records the object afresh.
  }
}
