/**
 * The answers the proxy gives itself, as OBS-style XML errors: to a request it refuses or cannot
 * forward, and to requests node's HTTP parser rejects (oversized heads, timeouts, malformed bytes),
 * which never reach the guard and get one answer per connection before it closes.
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

import {
  newRequestId,
  obsErrorXml,
  rawErrorResponse,
  type ObsErrorDocument,
  type ProxyErrorCode,
} from './errors';
import { CURRENT, type Exchange, type ExchangeSocket } from './exchange';

const LINGER_MS = 1000;

/**
 * Answers an exchange with an OBS-style error (`blocked`: the guard refused it), closing the connection
 * after it when `close`. A client that has gone, or a response already begun, is cut off instead.
 */
export function answerError(
  ex: Exchange,
  code: ProxyErrorCode,
  message: string,
  blocked: boolean,
  close: boolean,
): void {
  const res = ex.res;
  if (res.headersSent || res.writableEnded || ex.clientGone) {
    res.destroy();
    return;
  }
  const doc: ObsErrorDocument = obsErrorXml(code, message, newRequestId());
  const headers = [
    'Content-Type',
    'application/xml',
    'Content-Length',
    String(Buffer.byteLength(doc.body)),
    'x-obs-request-id',
    doc.requestId,
    'x-obs-sse-proxy',
    blocked ? 'blocked' : 'error',
  ];
  if (close) headers.push('Connection', 'close');
  ex.status = doc.status;
  ex.responseHeaders = headers;
  ex.responseText = doc.body;
  ex.tHeadersOut = performance.now();
  res.writeHead(doc.status, doc.reason, headers);
  res.end(ex.method === 'HEAD' ? undefined : doc.body);
}

/** What the handler needs of the proxy. */
export interface ClientErrorDeps {
  maxHeaderSize: number;
  /** Connections already answered: the parser may report one again as more bytes arrive. */
  failedSockets: WeakSet<Duplex>;
  log: (line: object) => void;
  /** Aborts the upstream exchange of a request that was in flight on the failed connection. */
  abort: (ex: Exchange) => void;
}

/** The `clientError` listener of the proxy's server. */
export function clientErrorHandler(
  deps: ClientErrorDeps,
): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    if (deps.failedSockets.has(socket)) return;
    deps.failedSockets.add(socket);
    const ex = (socket as ExchangeSocket)[CURRENT];
    let doc: ObsErrorDocument | undefined;
    let error: string;
    switch (err.code) {
      case 'HPE_HEADER_OVERFLOW':
        doc = obsErrorXml(
          'RequestHeaderSectionTooLarge',
          `The request head exceeds ${deps.maxHeaderSize} bytes`,
        );
        error = 'request_header_too_large';
        break;
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        doc = obsErrorXml('RequestTimeout', 'The client did not send the complete request in time');
        error = 'request_timeout';
        break;
      case 'ECONNRESET':
      case 'EPIPE':
      case 'HPE_INVALID_EOF_STATE': // the client closed its side in the middle of a request
        error = 'client_aborted';
        break;
      default:
        doc = obsErrorXml('InvalidRequest', `Malformed HTTP request (${err.code ?? err.name})`);
        error = 'malformed_request';
    }
    const canAnswer = doc !== undefined && socket.writable && !(ex && ex.res.headersSent);
    if (ex) {
      ex.clientGone = true;
      ex.error ??= error;
      if (canAnswer && doc) {
        ex.status = doc.status;
        ex.responseText = doc.body;
      }
      deps.abort(ex);
    } else {
      deps.log({
        event: 'client_error',
        time: new Date().toISOString(),
        error,
        status: canAnswer ? doc?.status : null,
      });
    }
    if (canAnswer && doc) {
      // Lingering close: a client still sending would get a reset that can destroy the unread answer.
      socket.end(rawErrorResponse(doc));
      const timer = setTimeout(() => socket.destroy(), LINGER_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    } else {
      socket.destroy();
    }
  };
}
