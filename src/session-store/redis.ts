/**
 * The Redis {@link SessionBackend}, on ioredis. One key per upload (`<namespace><uploadId>`) holding the
 * fingerprint as JSON (`{"a":algorithm,"m":keyMd5,"d":dialect}`: the MD5 the client sent, never the
 * key), with a sliding TTL: SET … PX on write, GETEX … PX on every read (Redis 6.2 or later).
 *
 * Failures are fast, not queued: no offline queue, no resending of commands a dropped connection left
 * unanswered, and a per-command timeout, so a part waits at most `commandTimeoutMs` before the failure
 * policy judges it. ioredis reconnects in the background.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

import type { Fingerprint } from '../traffic/upload-id';
import type { SessionBackend } from './shared';

/** Options of {@link openRedisBackend}. */
export interface RedisBackendOptions {
  /** Idle TTL of an upload's entry, refreshed on every read. Default 24 h. */
  ttlMs?: number;
  /** Longest wait for one command before it counts as a store failure. Default 1 000. */
  commandTimeoutMs?: number;
  /** Longest wait for the first connection. Default 5 000. */
  connectTimeoutMs?: number;
  /** Receives `session_store_down` / `session_store_up` when the connection is lost and regained. */
  log?: (line: object) => void;
}

/** A parsed `redis://HOST:PORT[/DB]` (or `rediss://`); `describe` omits any password. */
export interface RedisLocation {
  url: string;
  describe: string;
}

/** Parses a session store URL; throws a TypeError naming what is wrong (never echoing a password). */
export function parseRedisUrl(spec: string): RedisLocation {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new TypeError('the session store must be a URL, redis://HOST:PORT[/DB]');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(`the session store must be redis:// or rediss://, got ${url.protocol}`);
  }
  if (url.hostname === '') throw new TypeError('the session store URL needs a host');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) {
    throw new TypeError(`the session store database must be a number (redis://HOST:PORT/DB), got '${db}'`);
  }
  if (url.search !== '' || url.hash !== '') throw new TypeError('the session store URL takes no query');
  const describe = `${url.protocol}//${url.host}${db === '' ? '' : `/${db}`}`;
  return { url: spec, describe };
}

function decode(raw: string | null): Fingerprint | undefined {
  if (raw === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const fp: Fingerprint = {};
  if (typeof o.a === 'string') fp.algorithm = o.a;
  if (typeof o.m === 'string') fp.keyMd5 = o.m;
  if (o.d === 'obs' || o.d === 's3') fp.dialect = o.d;
  return fp;
}

function encode(fp: Fingerprint): string {
  return JSON.stringify({ a: fp.algorithm, m: fp.keyMd5, d: fp.dialect });
}

/**
 * Connects to Redis and returns the backend; rejects when the first connection fails within
 * `connectTimeoutMs` (a wrong address should stop a service at start, not at its first part).
 */
export async function openRedisBackend(
  location: RedisLocation,
  options: RedisBackendOptions = {},
): Promise<SessionBackend> {
  // Loaded on demand: only a process with a Redis session store pays for the client.
  const { Redis } = await import('ioredis');
  const ttl = options.ttlMs ?? 24 * 60 * 60 * 1000;
  const clientOptions: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    // close() while Redis is down ends a socket that already closed: ioredis's 2 s guard timer for a
    // socket that will not close would keep the caller's process alive that long for nothing.
    disconnectTimeout: 200,
  };
  const client: RedisClient = new Redis(location.url, clientOptions);
  let up = false;
  const note = (event: string, extra: object = {}): void => {
    try {
      options.log?.({ event, time: new Date().toISOString(), store: location.describe, ...extra });
    } catch {
      // A failing logger must not take the data path down with it.
    }
  };
  // Without a listener ioredis prints every reconnection failure; the down/up lines say it once.
  client.on('error', () => undefined);
  client.on('ready', () => {
    if (!up) note('session_store_up');
    up = true;
  });
  client.on('close', () => {
    if (up) note('session_store_down');
    up = false;
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot reach the session store ${location.describe}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let closed = false;
  return {
    describe: location.describe,
    async get(key) {
      return decode(await client.getex(key, 'PX', ttl));
    },
    async set(key, fp) {
      await client.set(key, encode(fp), 'PX', ttl);
    },
    async delete(key) {
      await client.del(key);
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}
