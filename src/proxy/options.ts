/** The options and the handle of {@link import('./server').createProxy}. */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ProxyExchange, ProxyGuard, ProxyMode, UpstreamScheme } from '../guard/contract';

/** How client-facing Host names map to the upstream's. */
export type Addressing = 'path' | 'virtual';

/** Options of {@link createProxy}. Durations are in milliseconds. */
export interface ProxyOptions {
  /** The OBS endpoint, `http:` or `https:`, without path, query or credentials. */
  upstream: URL;
  /** PEM CA certificate(s) to trust for the upstream, on top of Node's default CAs and NODE_EXTRA_CA_CERTS. */
  upstreamCa?: string | Buffer;
  /** Default `enforce`. */
  mode?: ProxyMode;
  guard: ProxyGuard;
  /** Receives one object per exchange (and a few lifecycle events). Default: JSON lines on stdout. */
  log?: (line: object) => void;
  /** Time allowed for a client to send the whole request head. Default 30 000. */
  headersTimeout?: number;
  /** Time allowed for a client to send the whole request, body included; 0 disables. Default 300 000. */
  requestTimeout?: number;
  /** Longest silence from the upstream (connecting, or mid-exchange) before giving up with 504. Default 60 000. */
  upstreamTimeout?: number;
  /** How long an idle client connection is kept open. Default 5 000. */
  keepAliveTimeout?: number;
  /**
   * How long an idle upstream connection is kept for reuse. Default 3 000: below the usual 5 s
   * server-side idle timeouts, so the proxy rarely reuses a connection the upstream is just closing.
   * A shorter Keep-Alive hint from the upstream, less a second, wins.
   */
  upstreamKeepAliveTimeout?: number;
  /** Largest request head accepted; larger ones get 431. Default 16 384 (Node's default). */
  maxHeaderSize?: number;
  /**
   * A blocked request whose body declares at most this many bytes is answered and its body read and
   * discarded, keeping the connection; larger or unknown-length bodies get `Connection: close`. Default 65 536.
   */
  maxDrainBytes?: number;
  /**
   * `path` (default): the upstream request's Host is the upstream's host. `virtual`: a client Host
   * `<bucket>.<publicHost>` becomes `<bucket>.<upstream host>`, so virtual-hosted-style requests keep
   * their bucket; any other Host becomes the upstream's host.
   */
  addressing?: Addressing;
  /** The host name clients use for the proxy, for `addressing: 'virtual'`. Default `localhost`. */
  publicHost?: string;
  /** Called once per exchange when it ends, e.g. to record a HAR. Exceptions are logged and ignored. */
  onExchange?: (exchange: ProxyExchange) => void;
}

/** Counters for health checks and leak tests. */
export interface ProxyStats {
  /** Open client connections, idle keep-alive ones included. */
  clientConnections: number;
  /** Exchanges not yet finished. */
  inFlight: number;
  /** Upstream connections: in use, idle in the keep-alive pool, and requests waiting for one. */
  upstreamSockets: { active: number; free: number; pending: number };
}

/** A running (or not yet listening) proxy. */
export interface ObsSseProxy {
  server: http.Server;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, lets in-flight exchanges finish for at most `graceMs` (default 30 000),
   * then cuts what remains and closes the upstream pool. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  stats(): ProxyStats;
}

/** Response-body capture limit for {@link ProxyExchange.responseText}. */
export const MAX_CAPTURED_XML = 64 * 1024;

/** Checks the upstream URL and returns its scheme. */
export function upstreamSchemeOf(upstream: URL): UpstreamScheme {
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new TypeError(`upstream must be an http: or https: URL, got ${upstream.protocol}`);
  }
  if (
    upstream.pathname !== '/' ||
    upstream.search !== '' ||
    upstream.username !== '' ||
    upstream.password !== ''
  ) {
    // A path prefix would change the resource OBS signatures cover; credentials do not belong in a URL.
    throw new TypeError('upstream must be scheme://host[:port] without path, query or credentials');
  }
  return upstream.protocol === 'https:' ? 'https' : 'http';
}
