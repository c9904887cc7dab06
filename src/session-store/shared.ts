/**
 * A multipart session store shared by several guards (proxy replicas, worker processes, forward-auth
 * servers), over a networked backend (Redis, or the cluster primary by IPC).
 *
 * The guard is synchronous and a backend is not, so the store is a local cache with an asynchronous
 * fill: the guard's `prepareRequest` calls {@link SharedUploadSessionStore.load} for the one upload id a
 * part names, the caller awaits it, and `get` then answers from the cache. Writes go to the cache at once
 * and to the backend in the background. Only parts pay a round trip; every other request stays
 * synchronous.
 */
import {
  MemoryUploadSessionStore,
  SessionStoreUnavailableError,
  type Fingerprint,
  type UploadSessionStore,
} from '../traffic/upload-id';

/** What a part does when the shared store cannot be read: `open` lets it through unchecked, `closed` refuses it. */
export type SessionStoreFailure = 'open' | 'closed';

/** A networked key-value home for fingerprints. Keys arrive namespaced; values are fingerprints only. */
export interface SessionBackend {
  /** The fingerprint under `key`, refreshing its TTL; undefined when absent. Rejects when unreachable. */
  get(key: string): Promise<Fingerprint | undefined>;
  set(key: string, fingerprint: Fingerprint): Promise<void>;
  delete(key: string): Promise<void>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
  /** Where the backend is, for logs: never a password. */
  readonly describe: string;
}

/** Options of {@link SharedUploadSessionStore}. */
export interface SharedUploadSessionStoreOptions {
  /** Prefix of every key this store writes, so that one backend holds several stores. */
  namespace: string;
  /** Default `closed`: a part that cannot be checked is refused, as enforce mode promises. */
  failure?: SessionStoreFailure;
  /** Receives `session_store_error` lines (operation and error text, never a fingerprint or key). */
  log?: (line: object) => void;
  /** Bounds of the local cache (default 50 000 entries, 24 h idle). */
  cacheEntries?: number;
}

/** Copies only the fields a fingerprint has: nothing else a caller attached (a key!) is ever sent. */
export function pickFingerprint(fp: Fingerprint): Fingerprint {
  const out: Fingerprint = {};
  if (typeof fp.algorithm === 'string') out.algorithm = fp.algorithm;
  if (typeof fp.keyMd5 === 'string') out.keyMd5 = fp.keyMd5;
  if (fp.dialect === 'obs' || fp.dialect === 's3') out.dialect = fp.dialect;
  return out;
}

/** See the module comment. */
export class SharedUploadSessionStore implements UploadSessionStore {
  private readonly cache: MemoryUploadSessionStore;
  /** Ids whose last load failed; `get` reports them under the closed policy, once. */
  private readonly failed = new Set<string>();
  readonly failure: SessionStoreFailure;

  constructor(
    private readonly backend: SessionBackend,
    private readonly options: SharedUploadSessionStoreOptions,
  ) {
    this.failure = options.failure ?? 'closed';
    this.cache = new MemoryUploadSessionStore({ maxEntries: options.cacheEntries ?? 50_000 });
  }

  /**
   * From the local cache, filled by {@link load}. An id whose load failed throws
   * {@link SessionStoreUnavailableError} under the `closed` policy and reads as unknown under `open`.
   */
  get(uploadId: string): Fingerprint | undefined {
    const failed = this.failed.delete(uploadId);
    const fp = this.cache.get(uploadId);
    if (fp !== undefined) return fp;
    if (failed && this.failure === 'closed') throw new SessionStoreUnavailableError();
    return undefined;
  }

  set(uploadId: string, fingerprint: Fingerprint): void {
    const fp = pickFingerprint(fingerprint);
    this.cache.set(uploadId, fp);
    // Issued before the caller lets the response that names the upload id go on to the client, so the
    // write reaches the backend before any part a client can send with that id.
    this.backend.set(this.key(uploadId), fp).catch((err: unknown) => this.fail('set', err));
  }

  delete(uploadId: string): boolean {
    const had = this.cache.delete(uploadId);
    this.backend.delete(this.key(uploadId)).catch((err: unknown) => this.fail('delete', err));
    return had;
  }

  load(uploadIds: readonly string[]): Promise<void> {
    return Promise.all(uploadIds.map((id) => this.loadOne(id))).then(() => undefined);
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private async loadOne(uploadId: string): Promise<void> {
    try {
      const fp = await this.backend.get(this.key(uploadId));
      this.failed.delete(uploadId);
      // An entry the backend lacks may still be known here (a write that failed): keep the local one.
      if (fp !== undefined) this.cache.set(uploadId, pickFingerprint(fp));
    } catch (err) {
      this.failed.add(uploadId);
      this.fail('get', err);
    }
  }

  private key(uploadId: string): string {
    return this.options.namespace + uploadId;
  }

  private fail(op: string, err: unknown): void {
    const log = this.options.log;
    if (!log) return;
    try {
      log({
        event: 'session_store_error',
        time: new Date().toISOString(),
        store: this.backend.describe,
        op,
        policy: this.failure,
        error: err instanceof Error ? err.message : String(err),
      });
    } catch {
      // A failing logger must not take the data path down with it.
    }
  }
}
