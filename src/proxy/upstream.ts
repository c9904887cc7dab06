/**
 * The proxy's hop to OBS, behind one small interface so that the transport core (server.ts) reads the
 * same whichever client carries a request. Two implementations:
 * - upstream-undici.ts carries every request without a body. undici's HTTP/1.1 client costs well under
 *   half of node:http's ClientRequest/IncomingMessage pair per exchange, which was most of the proxy's
 *   overhead.
 * - upstream-http.ts carries every request with a body, whose bytes node:http moves faster, including those
 *   with `Expect: 100-continue`, which undici's HTTP/1.1 client refuses to send; node:http relays OBS's
 *   own 100 (or its early refusal) to the client.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** One request as the proxy sends it on. */
export interface UpstreamRequest {
  method: string;
  /** Origin-form target, byte for byte as the client signed it. */
  path: string;
  /**
   * Node's flat header list, hop-by-hop fields removed, with the upstream's Host and the body's
   * Content-Length set by the caller. A body of unknown length has no framing field: each transport
   * frames it as chunked its own way.
   */
  headers: string[];
  /** The Host field among `headers`: with virtual-hosted addressing it is also the TLS server name. */
  host: string;
  /** The request body, or undefined when there is none. */
  body: Readable | undefined;
  /** Whether `body` has no Content-Length (the client sent it chunked). */
  chunked: boolean;
}

/** The response head as the upstream sent it, in node's flat form. */
export interface UpstreamResponseHead {
  status: number;
  statusText: string;
  rawHeaders: string[];
}

/** Why an exchange with the upstream failed, in the terms the proxy answers with. */
export interface UpstreamFailure {
  /** An errno-style code (ECONNREFUSED, a TLS verification code, UND_ERR_…), for logs and messages. */
  code: string;
  /** The upstream went silent for longer than the upstream timeout (connecting or mid-exchange). */
  timeout: boolean;
  /** The connection broke before any response: a body-less idempotent request may be sent again. */
  retryable: boolean;
}

/** What a transport reports back to the core; the transport writes the body to the client itself. */
export interface UpstreamHandler {
  /** OBS sent 100 Continue (Expect requests only). */
  onContinue(): void;
  /** The request, body included, has been handed to the connection. */
  onRequestSent(): void;
  /**
   * The response head arrived. The handler writes it to the client response; the transport then streams
   * the body into that response with backpressure. Returns a tap that sees each body chunk first, if wanted.
   */
  onResponse(head: UpstreamResponseHead): ((chunk: Buffer) => void) | undefined;
  /** The whole response body arrived; called before the client response is ended. */
  onComplete(): void;
  /** The exchange failed, before or after the response head (the core tells which). */
  onError(failure: UpstreamFailure): void;
}

/** One exchange in progress. */
export interface UpstreamCall {
  /** Stops the exchange and closes its connection; later events are not reported. Idempotent. */
  abort(): void;
}

/** Upstream connections: in use, idle in the keep-alive pool, and requests waiting for one. */
export interface UpstreamSocketStats {
  active: number;
  free: number;
  pending: number;
}

export interface UpstreamTransport {
  send(request: UpstreamRequest, sink: ServerResponse, handler: UpstreamHandler): UpstreamCall;
  stats(): UpstreamSocketStats;
  /** Closes every connection, in use or idle. */
  destroy(): Promise<void>;
}

/** Timeout codes of both transports: node's socket timeout (mapped by upstream-http.ts) and undici's. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
// A connection reset or closed with no response: the keep-alive race, when OBS closes a pooled
// connection just as it is reused (undici reports the peer's close as UND_ERR_SOCKET).
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** Classifies an error of either transport; `responded` says whether the response head had arrived. */
export function upstreamFailure(err: unknown, responded: boolean): UpstreamFailure {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = (typeof e?.code === 'string' && e.code) || (typeof e?.name === 'string' && e.name) || 'Error';
  return { code, timeout: TIMEOUT_CODES.has(code), retryable: !responded && RETRYABLE_CODES.has(code) };
}
