/**
 * Shared multipart session stores: what `--session-store` and `--workers` open, and the library's way
 * to the same. Both stores a guard keeps (sessions by upload id, initiates waiting by bucket and key)
 * live in one backend under two namespaces.
 */
import type { EngineGuardOptions } from '../guard/engine-guard';
import { defaultLog } from '../guard/log';
import { createIpcBackend } from './ipc';
import { openRedisBackend, parseRedisUrl, type RedisBackendOptions } from './redis';
import { SharedUploadSessionStore, type SessionBackend, type SessionStoreFailure } from './shared';

export { parseRedisUrl, type RedisLocation } from './redis';
export { serveSessions } from './ipc';
export { SharedUploadSessionStore, type SessionBackend, type SessionStoreFailure } from './shared';

/** Options of {@link openSessionStores}. */
export interface SessionStoreOptions extends RedisBackendOptions {
  /** `redis://HOST:PORT[/DB]` (or `rediss://`), or `ipc` for a cluster worker's primary. */
  url: string;
  /** Default `closed`: see {@link SessionStoreFailure}. */
  failure?: SessionStoreFailure;
  /** Key prefix in Redis. Default `obs-sse:`. */
  prefix?: string;
  /**
   * Receives `session_store_error`, `session_store_down` and `session_store_up` lines (never a
   * fingerprint, key or password). Default: JSON lines on stdout, like the guard's own log; pass the
   * adapter's `log` to get both in one place.
   */
  log?: (line: object) => void;
}

/**
 * The two stores of a guard over one backend: pass `store` and `pending` to `createEngineGuard`,
 * `obsSseGuard` (the undici interceptor) or `obsSseMiddleware`, and call `close` when done.
 */
export interface SharedSessionStores extends Required<Pick<EngineGuardOptions, 'store' | 'pending'>> {
  store: SharedUploadSessionStore;
  pending: SharedUploadSessionStore;
  /** Where the stores are, for logs (never a password). */
  describe: string;
  close(): Promise<void>;
}

function storesOver(backend: SessionBackend, options: SessionStoreOptions): SharedSessionStores {
  const prefix = options.prefix ?? 'obs-sse:';
  const common = {
    ...(options.failure !== undefined && { failure: options.failure }),
    log: options.log ?? defaultLog,
  };
  return {
    store: new SharedUploadSessionStore(backend, { ...common, namespace: `${prefix}upload:` }),
    pending: new SharedUploadSessionStore(backend, { ...common, namespace: `${prefix}initiate:` }),
    describe: backend.describe,
    close: () => backend.close(),
  };
}

/**
 * Opens the shared stores `options.url` names. Redis: connects first and rejects when it cannot (a
 * TypeError for a malformed URL). `ipc`: only in a cluster worker.
 */
export async function openSessionStores(options: SessionStoreOptions): Promise<SharedSessionStores> {
  if (options.url === 'ipc') return storesOver(createIpcBackend(options.commandTimeoutMs), options);
  const log = options.log ?? defaultLog;
  const backend = await openRedisBackend(parseRedisUrl(options.url), { ...options, log });
  return storesOver(backend, options);
}

/** Validates a `--session-store-failure` value. */
export function parseFailurePolicy(value: string): SessionStoreFailure {
  if (value !== 'open' && value !== 'closed') {
    throw new TypeError(`--session-store-failure must be open or closed, got '${value}'`);
  }
  return value;
}
