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
   * key MD5 or algorithm differs from the initiate's, or when only one of them carries SSE-C. A part or
   * CompleteMultipartUpload of an upload the tracker does not hold (never seen open, evicted, expired)
   * is `session/unknown-upload`: it cannot be compared, and saying so keeps an eviction from failing
   * open in silence.
   */
  request(req: RequestInspection): Diagnostic[] {
    const c = req.classification;
    if (c.kind !== 'operation') return [];
    if (c.operation === 'AppendObject') {
      // 追加写对象, constraint 2: every append to an SSE-C object carries the key of its first append.
      if (c.position === undefined || c.position === 0) return [];
      const first = this.store.get(appendKey(req));
      return first ? this.mismatch(req, first, 'append/key-mismatch', String(c.position)) : [];
    }
    const part = c.operation === 'UploadPart' || c.operation === 'UploadPartCopy';
    if (!part && c.operation !== 'CompleteMultipartUpload') return [];
    const uploadId = c.uploadId;
    if (uploadId === undefined) return [];
    let opened = this.store.get(uploadId);
    if (!opened) {
      const key = objectKey(req);
      opened = key === undefined ? undefined : this.pending.get(key);
      if (!opened) {
        const d = report(
          'session/unknown-upload',
          { operation: c.operation, direction: 'request', other: uploadId },
          this.options,
        );
        return d ? [d] : [];
      }
      this.store.set(uploadId, opened);
      this.pending.delete(key as string);
    }
    return part ? this.mismatch(req, opened, 'session/key-mismatch', uploadId) : [];
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
    const d = report(
      code,
      {
        header: catalogueNames(checkerFor(this.options)).spelled(differs, dialect),
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
