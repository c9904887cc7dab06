/**
 * `obs-sse proxy`'s server: a streaming reverse proxy in front of an OBS endpoint, and an adapter of the
 * guard core (src/guard/core.ts), which judges every request as it will be forwarded before any body
 * byte moves. This file ties client exchanges to the core and to the upstream transports; the pieces
 * live beside it (exchange.ts, forward.ts, answers.ts, lifecycle.ts, target.ts, options.ts).
 *
 * Decisions worth knowing:
 * - Host: path-style by default, the upstream request carries the upstream's own Host (OBS V2 signatures
 *   cover the bucket-qualified resource, not the Host field itself). `addressing: 'virtual'` maps
 *   `<bucket>.<publicHost>` to `<bucket>.<upstream host>` and uses that name for TLS SNI too.
 * - Errors the proxy answers itself are OBS-style XML; codes and statuses are listed in errors.ts.
 * - 100-continue is end to end: the client gets 100 Continue when OBS sends it, a block gets its 400
 *   before any body byte, and the connection then closes because the body's framing is unknowable.
 * - Bodies are never buffered: request and response bodies stream with backpressure.
 * - The hop to OBS is an {@link UpstreamTransport}: undici's pool for body-less requests, node:http for
 *   the ones with a body (see upstream.ts). Past choosing one, this file does not know which carries a
 *   request.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

import type { ProxyErrorCode } from './errors';
import { createGuardCore, type ExchangeRequest, type GuardExchange } from '../guard/core';
import { defaultLog, exchangeLogLine, roundMs as round, safeLog as guardedLog } from '../guard/log';
import { stripHopByHopFlat, summarizeHead } from '../guard/headers';
import { peekFormFields } from '../traffic/form';
import { type UpstreamFailure, type UpstreamResponseHead, type UpstreamTransport } from './upstream';
import { createHttpUpstream } from './upstream-http';
import { createUndiciUpstream } from './upstream-undici';

export type * from '../guard/contract';
export { defaultLog } from '../guard/log';
export {
  MAX_CAPTURED_XML,
  type Addressing,
  type ObsSseProxy,
  type ProxyOptions,
  type ProxyStats,
} from './options';
export { installSignalHandlers, type SignalHandlerOptions } from './signals';
import {
  captureResponse,
  completeCapture,
  CURRENT,
  newExchange,
  proxyExchangeOf,
  RELEASED,
  UNJUDGED,
  type Exchange,
  type ExchangeSocket,
} from './exchange';
import { upstreamSchemeOf, type Addressing, type ObsSseProxy, type ProxyOptions } from './options';
import { answerError, clientErrorHandler } from './answers';
import { Lifecycle } from './lifecycle';
import { Attempt, hasBody, upstreamHeaders, upstreamHostOf, type AttemptOwner } from './forward';
import { caList, describeUpstreamError, originForm } from './target';

const IDEMPOTENT_BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Creates the SSE-checking reverse proxy. Nothing listens until `listen` is called.
 *
 * Host: with `addressing: 'path'` the upstream sees the upstream's own Host. OBS's V2 signature does not
 * sign Host itself, only the bucket-qualified resource, so path-style requests stay valid; V4 (S3 dialect)
 * signs Host, so such clients must sign for the upstream's host name. `virtual` keeps the bucket label.
 */
export function createProxy(options: ProxyOptions): ObsSseProxy {
  const upstream = options.upstream;
  const scheme = upstreamSchemeOf(upstream);
  const log = options.log ?? defaultLog;
  const core = createGuardCore({ mode: options.mode ?? 'enforce', guard: options.guard, log });
  const onExchange = options.onExchange;
  const headersTimeout = options.headersTimeout ?? 30_000;
  const requestTimeout = options.requestTimeout ?? 300_000;
  const upstreamTimeout = options.upstreamTimeout ?? 60_000;
  const upstreamKeepAliveTimeout = options.upstreamKeepAliveTimeout ?? 3_000;
  const maxHeaderSize = options.maxHeaderSize ?? 16 * 1024;
  const maxDrainBytes = options.maxDrainBytes ?? 64 * 1024;
  const addressing: Addressing = options.addressing ?? 'path';
  const publicHost = (options.publicHost ?? 'localhost').toLowerCase();
  if (requestTimeout > 0 && headersTimeout > requestTimeout) {
    throw new RangeError('headersTimeout must not exceed requestTimeout');
  }

  // One secure context for every connection: parsing ~150 root PEMs per handshake would dominate.
  const secureContext =
    scheme === 'https' && options.upstreamCa !== undefined
      ? tls.createSecureContext({ ca: caList(options.upstreamCa) })
      : undefined;
  const transports = {
    pooled: createUndiciUpstream({
      upstream,
      secureContext,
      timeout: upstreamTimeout,
      keepAliveTimeout: upstreamKeepAliveTimeout,
    }),
    expecting: createHttpUpstream({ upstream, secureContext, timeout: upstreamTimeout }),
    bodies: createHttpUpstream({
      upstream,
      secureContext,
      timeout: upstreamTimeout,
      keepAliveTimeout: upstreamKeepAliveTimeout,
    }),
  } satisfies Record<string, UpstreamTransport>;

  const checkInterval = Math.max(
    50,
    Math.min(30_000, Math.floor(Math.min(headersTimeout, requestTimeout || Infinity) / 4)),
  );
  const server = http.createServer({
    headersTimeout,
    requestTimeout,
    maxHeaderSize,
    connectionsCheckingInterval: checkInterval,
    noDelay: true,
  });
  server.keepAliveTimeout = options.keepAliveTimeout ?? 5_000;

  const failedSockets = new WeakSet<Duplex>();
  const life = new Lifecycle(server, Object.values(transports), (line) => safeLog(line));

  // A failing logger must not take the data path down with it.
  const safeLog = (line: object): void => guardedLog(log, line);

  /** Whether the client connection must close after this response rather than be reused. */
  function mustClose(ex: Exchange): boolean {
    const req = ex.req;
    if (life.closing) return true;
    if (req.complete) return false;
    // Expect: the client holds its body back; HTTP/1.1 framing then only recovers by closing.
    if (ex.expectContinue || ex.piped) return true;
    if (ex.head.transferEncoding !== undefined) return true;
    const cl = Number(ex.head.contentLength ?? 0);
    return !(cl <= maxDrainBytes);
  }

  function sendProxyError(ex: Exchange, code: ProxyErrorCode, message: string, blocked = false): void {
    answerError(ex, code, message, blocked, mustClose(ex));
  }

  // URL getters re-slice the href on every read; this one is read once.
  const upstreamAuthority = upstream.host;
  /** The Host the upstream request carries (with virtual addressing, also its TLS server name). */
  const upstreamHost = (ex: Exchange): string =>
    upstreamHostOf(ex, addressing, publicHost, upstreamAuthority);

  function abortUpstream(ex: Exchange): void {
    ex.call?.abort();
  }

  const owner: AttemptOwner = {
    timeSends: onExchange !== undefined,
    response: (ex, head) => onUpstreamResponse(ex, head),
    complete: (ex) => completeCapture(ex),
    error: (ex, failure) => onUpstreamError(ex, failure),
  };

  function forward(ex: Exchange): void {
    const req = ex.req;
    const host = upstreamHost(ex);
    ex.attempts += 1;
    ex.tDispatch = performance.now();
    if (ex.attempts === 1) ex.tFirstDispatch = ex.tDispatch;
    const body = hasBody(ex.head);
    if (body) {
      ex.piped = true;
      if (onExchange) {
        // Counted only for onExchange; without it the listener is pure overhead.
        req.on('data', (chunk: Buffer) => {
          ex.requestBodyBytes += chunk.length;
        });
      }
    }
    const transport = ex.expectContinue ? transports.expecting : body ? transports.bodies : transports.pooled;
    const attempt = new Attempt(owner, ex, ex.attempts);
    ex.call = attempt.call = transport.send(
      {
        method: ex.method,
        path: ex.target,
        headers: upstreamHeaders(ex, host),
        host,
        body: body ? req : undefined,
        chunked: ex.head.transferEncoding !== undefined,
      },
      ex.res,
      attempt,
    );
  }

  function onUpstreamResponse(ex: Exchange, up: UpstreamResponseHead): ((chunk: Buffer) => void) | undefined {
    ex.responded = true;
    ex.tResponse = performance.now();
    const status = up.status;
    const head = summarizeHead(up.rawHeaders);
    const g = ex.g;
    if (g !== undefined) g.response(status, head.pairs);
    const wantBody = g?.wantBody === true;
    const headers = stripHopByHopFlat(up.rawHeaders);
    if (mustClose(ex)) headers.push('Connection', 'close');
    ex.status = status;
    ex.responseHeaders = headers;
    ex.res.writeHead(status, up.statusText || undefined, headers);
    ex.tHeadersOut = performance.now();

    return !onExchange && !wantBody ? undefined : captureResponse(ex, head, wantBody);
  }

  function onUpstreamError(ex: Exchange, failure: UpstreamFailure): void {
    if (ex.clientGone) return;
    if (ex.responded) {
      // The upstream died mid-body: cut the client off too, rather than leave a short response looking whole.
      ex.error ??= 'upstream_response_aborted';
      ex.res.destroy();
      return;
    }
    if (failure.retryable && !ex.piped && ex.attempts < 2 && IDEMPOTENT_BODYLESS.has(ex.method)) {
      // The upstream closed the connection with nothing answered, typically a pooled one just as it was
      // reused; a body-less idempotent request was not acted on, so it is sent once more.
      forward(ex);
      return;
    }
    if (failure.timeout) {
      ex.error = 'upstream_timeout';
      sendProxyError(
        ex,
        'GatewayTimeout',
        `The upstream ${upstream.protocol}//${upstream.host} did not respond within ${upstreamTimeout} ms`,
      );
    } else {
      ex.error = `upstream_error:${failure.code}`;
      sendProxyError(ex, 'BadGateway', describeUpstreamError(failure.code, upstream));
    }
  }

  function finalize(ex: Exchange): void {
    if (ex.done) return;
    ex.done = true;
    const { req, res } = ex;
    // A request detached from its socket (destroyed) has none left to clear.
    const socket = req.socket as ExchangeSocket | null;
    if (socket && socket[CURRENT] === ex) socket[CURRENT] = undefined;
    if (!res.writableFinished) {
      ex.clientGone = true;
      ex.error ??= 'client_aborted';
      abortUpstream(ex);
    } else if (!ex.requestSent) {
      // Answered before the body was all sent (early upstream response, or an error): the upstream
      // connection is mid-request and cannot go back to the pool.
      abortUpstream(ex);
    }
    const tEnd = performance.now();
    const forwarded = ex.attempts > 0;
    const pre = (forwarded ? ex.tFirstDispatch : ex.tHeadersOut || tEnd) - ex.t0;
    const post = ex.responded && ex.tHeadersOut ? ex.tHeadersOut - ex.tResponse : 0;
    const added = round(pre + post);
    const upstreamMs = ex.responded ? round(ex.tResponse - ex.tDispatch) : null;
    const g = ex.g;
    const outcome = {
      startedAt: ex.startedAt,
      url: ex.target,
      status: ex.status,
      upstreamMs,
      addedMs: added,
      error: ex.error,
    };
    if (g !== undefined) g.finish(outcome);
    else
      safeLog(
        exchangeLogLine({
          ...outcome,
          method: ex.method,
          requestHeaders: ex.head.pairs,
          ...UNJUDGED,
          totalMs: round(tEnd - ex.t0),
        }),
      );
    if (onExchange) {
      const exchange = proxyExchangeOf(ex, `${scheme}://${upstreamHost(ex)}${ex.target}`, tEnd, added);
      try {
        onExchange(exchange);
      } catch (err) {
        safeLog({ event: 'on_exchange_error', time: new Date().toISOString(), error: String(err) });
      }
    }
    // Let go of the exchange's streams and verdict. Something in node's http internals keeps an ended
    // exchange reachable for a while; with these links the whole request/response graph survived
    // young-generation collections and was promoted (measured with --trace-gc under load: about 12 ms of
    // GC per 1000 exchanges instead of 4, median scavenge 4.5 ms instead of 2).
    // Late callbacks test ex.done (Attempt.current), so they see a released exchange as ended.
    Object.assign(ex, RELEASED);
    life.ended(ex);
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, expectContinue: boolean): void {
    const t0 = performance.now();
    if (failedSockets.has(req.socket)) {
      // A request parsed from bytes that arrived after this connection already failed: not answerable.
      req.socket.destroy();
      return;
    }
    const head = summarizeHead(req.rawHeaders);
    const ex = newExchange(req, res, head, t0, expectContinue);
    life.inFlight.add(ex);
    (req.socket as ExchangeSocket)[CURRENT] = ex;
    // 'close' comes once per response; `on` spares once()'s wrapper.
    res.on('close', () => finalize(ex));

    const form = originForm(ex.target);
    if (form === undefined) {
      sendProxyError(ex, 'InvalidRequest', 'The request-target must be origin-form (/path) or absolute-form');
      return;
    }
    ex.target = form.target;
    if (form.authority !== undefined) ex.clientHost = form.authority;
    const te = head.transferEncoding;
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
      sendProxyError(ex, 'NotImplemented', 'Only the chunked transfer-coding is supported');
      return;
    }

    const request = { method: ex.method, url: ex.target, headers: head.pairs, upstreamScheme: scheme };
    // A guard with a shared session store may first have to fetch a part's session (never rejects).
    const ready = core.prepare(request);
    if (ready === undefined) judge(ex, request, t0);
    else void ready.then(() => !ex.done && !ex.clientGone && judge(ex, request, t0));
  }

  function judge(ex: Exchange, request: ExchangeRequest, t0: number): void {
    const g = core.judge(request, t0);
    ex.g = g;
    ex.tChecked = performance.now();
    if (g.needsForm) readForm(ex, g);
    else if (!refuse(ex, g)) forward(ex);
  }

  /** Answers a request the core refuses; returns whether it did. */
  function refuse(ex: Exchange, g: GuardExchange): boolean {
    if (!g.refused) return false;
    const refusal = g.refusal();
    sendProxyError(ex, refusal.code, refusal.message, !g.failed);
    return true;
  }

  /**
   * PostObject: reads the form's fields up to the file part (at most FORM_PEEK_LIMIT bytes, put back
   * into the request stream for forwarding), and lets the guard judge them before anything is sent on.
   */
  function readForm(ex: Exchange, g: GuardExchange): void {
    if (ex.expectContinue) {
      // The verdict needs the body, and the client holds it back until told to send it.
      ex.continued = true;
      ex.res.writeContinue();
    }
    const since = performance.now();
    peekFormFields(ex.req, ex.head.contentType ?? '')
      .then((form) => {
        if (ex.done || ex.clientGone) return;
        ex.formFields = form.fields;
        g.judgeForm(form, since);
        ex.tChecked = performance.now();
        if (!refuse(ex, g)) forward(ex);
      })
      .catch((err: unknown) => {
        // Nothing above is expected to throw; if something does, the client gets an answer, not a hang.
        safeLog({ event: 'proxy_error', phase: 'form', time: new Date().toISOString(), error: String(err) });
        if (!ex.done) sendProxyError(ex, 'InternalError', 'The proxy failed while reading the form');
      });
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => handle(req, res, false));
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => handle(req, res, true));

  server.on(
    'clientError',
    clientErrorHandler({ maxHeaderSize, failedSockets, log: safeLog, abort: (ex) => abortUpstream(ex) }),
  );

  return {
    server,
    listen: (port, host) => life.listen(port, host),
    close: (closeOptions) => life.close(closeOptions?.graceMs ?? 30_000),
    stats: () => life.stats(),
  };
}
