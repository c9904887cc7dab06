import { randomBytes } from 'node:crypto';
import { redactByValue } from '../redact';
import { xmlEscape } from '../xml';

/**
 * Error codes the proxy itself answers with, in OBS's XML error format. Codes OBS also uses keep OBS's
 * spelling so that SDK error handling recognises them; the HTTP status follows HTTP semantics where OBS
 * has no equivalent (a gateway failure is not something OBS itself reports).
 *
 * | code                         | status | when                                                     |
 * |------------------------------|--------|----------------------------------------------------------|
 * | InvalidArgument              | 400    | the guard blocked the request's SSE headers (enforce)    |
 * | InvalidRequest               | 400    | unparsable request head or request-target                |
 * | RequestTimeout               | 408    | the client sent its head or body too slowly              |
 * | RequestHeaderSectionTooLarge | 431    | request head larger than the server's maxHeaderSize      |
 * | NotImplemented               | 501    | a Transfer-Encoding other than `chunked`                 |
 * | InternalError                | 500    | the guard threw while in enforce mode (fail closed)      |
 * | BadGateway                   | 502    | upstream refused, reset, unresolvable or failed TLS      |
 * | GatewayTimeout               | 504    | upstream idle for longer than upstreamTimeout            |
 */
export const PROXY_ERRORS = {
  InvalidArgument: { status: 400, reason: 'Bad Request' },
  InvalidRequest: { status: 400, reason: 'Bad Request' },
  RequestTimeout: { status: 408, reason: 'Request Timeout' },
  RequestHeaderSectionTooLarge: { status: 431, reason: 'Request Header Fields Too Large' },
  NotImplemented: { status: 501, reason: 'Not Implemented' },
  InternalError: { status: 500, reason: 'Internal Server Error' },
  BadGateway: { status: 502, reason: 'Bad Gateway' },
  GatewayTimeout: { status: 504, reason: 'Gateway Timeout' },
} as const;

/** One of the codes in {@link PROXY_ERRORS}. */
export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

/**
 * The `HostId` of every proxy-generated error. OBS puts an opaque host token there; a fixed name tells
 * whoever reads the error that the proxy answered and OBS never saw the request.
 */
export const PROXY_HOST_ID = 'obs-sse-proxy';

// XML 1.0 forbids most C0 controls even when escaped, and lone surrogates are not characters at all.

/** A request id shaped like OBS's (32 upper-case hex digits), so log correlation tools accept it. */
export function newRequestId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** An error document in OBS's format. */
export interface ObsErrorDocument {
  code: ProxyErrorCode;
  status: number;
  reason: string;
  requestId: string;
  /** The serialized XML body. */
  body: string;
}

/**
 * Builds the OBS-style XML error body for `code`, escaping `message`. The message names codes and
 * headers; a header name as sent can hold a key, so key-shaped runs are redacted here too.
 */
export function obsErrorXml(
  code: ProxyErrorCode,
  message: string,
  requestId: string = newRequestId(),
): ObsErrorDocument {
  const { status, reason } = PROXY_ERRORS[code];
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(redactByValue(message))}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>${PROXY_HOST_ID}</HostId></Error>`;
  return { code, status, reason, requestId, body };
}

/** The head fields of an answer carrying `doc`, as node's flat list; `blocked` for a guard's refusal. */
export function obsErrorHeaders(doc: ObsErrorDocument, blocked: boolean): string[] {
  return [
    'Content-Type',
    'application/xml',
    'Content-Length',
    String(Buffer.byteLength(doc.body)),
    'x-obs-request-id',
    doc.requestId,
    'x-obs-sse-proxy',
    blocked ? 'blocked' : 'error',
  ];
}

/**
 * The message of a guard block: the guard's own summary (if any) followed by every diagnostic code.
 * `by` names what answered (the middleware says so, rather than claim to be the proxy).
 */
export function blockedMessage(codes: readonly string[], message?: string, by = 'obs-sse proxy'): string {
  const named = codes.length > 0 ? codes.join(', ') : 'no code given';
  const summary = message && message.trim() !== '' ? message.trim() : 'SSE header check failed';
  return `Blocked by ${by} before reaching OBS: ${summary} [${named}]`;
}

/**
 * A complete HTTP/1.1 response carrying an OBS error, for writing straight to a socket whose parser has
 * failed (there is no ServerResponse to use then). It always closes the connection.
 */
export function rawErrorResponse(doc: ObsErrorDocument): string {
  return (
    `HTTP/1.1 ${doc.status} ${doc.reason}\r\n` +
    'Content-Type: application/xml\r\n' +
    `Content-Length: ${Buffer.byteLength(doc.body)}\r\n` +
    `x-obs-request-id: ${doc.requestId}\r\n` +
    'x-obs-sse-proxy: error\r\n' +
    'Connection: close\r\n\r\n' +
    doc.body
  );
}
