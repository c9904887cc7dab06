/**
 * The upstream transport for every request without `Expect: 100-continue`: an undici Pool, kept alive.
 *
 * - Timeouts: connecting, waiting for the head while OBS is not reading (undici's headers timeout does
 *   not run while the client is still feeding the upload), and silence mid-body all use the one upstream
 *   timeout, as node:http's socket timeout did.
 * - Idle connections live `keepAliveTimeout`, or the upstream's Keep-Alive hint less a second if shorter;
 *   undici applies both, and drops a connection at once when the hint leaves no safe margin.
 * - TLS: undici derives SNI from the Host field, as node's https agent does. A client keeps one server
 *   name per connection, so with virtual-hosted addressing each bucket's name gets its own pool rather
 *   than making one pool's connections reconnect whenever the bucket changes.
 */
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { SecureContext } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { Pool, buildConnector, errors, type Dispatcher } from 'undici';

import {
  upstreamFailure,
  type UpstreamCall,
  type UpstreamHandler,
  type UpstreamRequest,
  type UpstreamSocketStats,
  type UpstreamTransport,
} from './upstream';

export interface UndiciUpstreamOptions {
  upstream: URL;
  secureContext?: SecureContext;
  /** Longest silence from the upstream, in ms. */
  timeout: number;
  /** Idle lifetime of a pooled connection, in ms. */
  keepAliveTimeout: number;
}

/** Pools kept for virtual-hosted TLS names beyond the default one; the oldest is closed past this. */
const MAX_NAMED_POOLS = 64;

/**
 * One exchange. Uses undici's handler methods that receive the raw header list: the proxy must relay
 * field names, order and repeats as OBS sent them, which the header object of the newer API loses. (In
 * undici 7 the raw methods are also the native ones; the newer API is adapted onto them per request.)
 */
class UndiciCall implements UpstreamCall, Dispatcher.DispatchHandler {
  private abortConnection: ((err?: Error) => void) | undefined;
  private aborted = false;
  private responded = false;
  private tap: ((chunk: Buffer) => void) | undefined;
  private resume: (() => void) | undefined;

  constructor(
    private readonly sink: ServerResponse,
    private readonly handler: UpstreamHandler,
  ) {}

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortConnection?.(new errors.RequestAbortedError());
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.aborted) abort(new errors.RequestAbortedError());
    else this.abortConnection = abort;
  }

  onRequestSent(): void {
    if (!this.aborted) this.handler.onRequestSent();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    // Informational answers (OBS sends none unasked) are not relayed.
    if (status < 200 || this.aborted) return true;
    const rawHeaders: string[] = new Array<string>(raw.length);
    // latin1, as node's own parser decodes header bytes: the client gets them back byte for byte.
    for (let i = 0; i < raw.length; i += 1) rawHeaders[i] = (raw[i] as Buffer).toString('latin1');
    this.responded = true;
    this.resume = resume;
    this.tap = this.handler.onResponse({ status, statusText, rawHeaders });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.aborted) return true;
    this.tap?.(chunk);
    if (this.sink.write(chunk)) return true;
    // The client reads slower than OBS sends: pause the upstream until the response drains.
    this.sink.once('drain', this.resume as () => void);
    return false;
  }

  onComplete(): void {
    if (this.aborted) return;
    this.handler.onComplete();
    this.sink.end();
  }

  onError(err: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.handler.onError(upstreamFailure(err, this.responded));
  }
}

/**
 * Keeps WebAssembly on V8's baseline tier (Liftoff) for the rest of the process. undici parses HTTP with
 * llhttp compiled to WebAssembly; once the parser runs hot, V8 recompiles it with its optimizing tier,
 * and for llhttp's one very large function that takes about 35 MB for a moment. That moment lands on
 * top of a streaming transfer's buffers: a 256 MiB upload through the proxy peaked at 145-151 MiB RSS
 * with the tier-up and 116-124 MiB without it, against a 150 MB bound. Liftoff code is what runs before
 * the tier-up anyway. V8 flags are process-wide, so only `obs-sse proxy`, which owns its process, calls
 * this (a library must not change its host's flags); it takes effect because llhttp is compiled lazily,
 * on undici's first connection.
 */
export function keepWebAssemblyOnBaselineTier(): void {
  setFlagsFromString('--no-wasm-dynamic-tiering');
  setFlagsFromString('--no-wasm-tier-up');
}

export function createUndiciUpstream(options: UndiciUpstreamOptions): UpstreamTransport {
  const origin = options.upstream.origin;
  const connect = buildConnector({
    timeout: options.timeout,
    ...(options.secureContext ? { secureContext: options.secureContext } : {}),
  });
  const poolOptions: Pool.Options = {
    connect,
    headersTimeout: options.timeout,
    bodyTimeout: options.timeout,
    keepAliveTimeout: options.keepAliveTimeout,
    keepAliveMaxTimeout: options.keepAliveTimeout,
    keepAliveTimeoutThreshold: 1000,
  };
  const pool = new Pool(origin, poolOptions);
  const tls = options.upstream.protocol === 'https:';
  const defaultHost = options.upstream.host.toLowerCase();
  const named = new Map<string, Pool>();

  function poolFor(host: string): Pool {
    if (!tls || host === defaultHost) return pool;
    const key = host.toLowerCase();
    if (key === defaultHost) return pool;
    let p = named.get(key);
    if (p === undefined) {
      if (named.size >= MAX_NAMED_POOLS) {
        const [oldestKey, oldest] = named.entries().next().value as [string, Pool];
        named.delete(oldestKey);
        // close() lets the oldest pool's running requests finish before its connections go.
        oldest.close().catch(() => undefined);
      }
      p = new Pool(origin, poolOptions);
      named.set(key, p);
    }
    return p;
  }

  function pools(): Pool[] {
    return [pool, ...named.values()];
  }

  return {
    send(request: UpstreamRequest, sink: ServerResponse, handler: UpstreamHandler): UpstreamCall {
      const call = new UndiciCall(sink, handler);
      let body: PassThrough | undefined;
      if (request.body !== undefined) {
        // undici destroys a body stream it gives up on; handing it the client's own request would
        // destroy the client connection with it, before the proxy could answer 502 on it.
        body = new PassThrough();
        request.body.pipe(body);
      }
      const dispatch: Dispatcher.DispatchOptions = {
        origin,
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: body ?? null,
      };
      // undici closes a connection after HEAD by default, against servers that wrongly send a body;
      // OBS does not, and node:http kept these connections too.
      if (request.method === 'HEAD') dispatch.reset = false;
      poolFor(request.host).dispatch(dispatch, call);
      return call;
    },
    stats(): UpstreamSocketStats {
      let active = 0;
      let free = 0;
      let pending = 0;
      for (const p of pools()) {
        const s = p.stats;
        active += s.connected - s.free;
        free += s.free;
        pending += s.pending + s.queued;
      }
      return { active, free, pending };
    },
    async destroy(): Promise<void> {
      await Promise.all(pools().map((p) => p.destroy()));
    },
  };
}
