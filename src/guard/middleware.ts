/**
 * The node:http / Express / Connect middleware: the proxy's checks for requests on their way to OBS
 * through a gateway that already exists.
 *
 * ```ts
 * app.use('/obs', obsSseMiddleware({ mode: 'enforce', upstreamScheme: 'https' }), forwardToObs);
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import { blockedMessage, newRequestId, obsErrorXml, type ProxyErrorCode } from '../proxy/errors';
import { toPairs } from '../proxy/headers';
import type { GuardRequest, HeaderPairs, RequestVerdict, UpstreamScheme, VerdictLabel } from '../proxy/types';
import { checkRequest, guardError, setupHook, type GuardHookOptions } from './hook';
import { exchangeLogLine, roundMs, safeLog } from './log';

/** Options of {@link obsSseMiddleware}. */
export interface ObsSseMiddlewareOptions extends GuardHookOptions {
  /**
   * The scheme of the gateway's hop to OBS. Required: the transport rules are about that hop, and the
   * client-facing connection says nothing about it.
   */
  upstreamScheme: UpstreamScheme;
  /**
   * In enforce mode: `respond` (default) answers 400 with the proxy's OBS-style XML error body;
   * `next` calls `next(err)` with an {@link import('./error').ObsSseGuardError} for the app's error handler.
   */
  onBlock?: 'respond' | 'next';
  /**
   * Blocked requests whose body declares at most this many bytes are read and discarded so the
   * connection can be reused; larger or unknown-length bodies get `Connection: close`. Default 65 536.
   */
  maxDrainBytes?: number;
}

/** A Connect/Express-style `next`. */
export type NextFunction = (err?: unknown) => void;

/** The middleware's signature: node:http, Connect and Express all call it this way. */
export type ObsSseMiddleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

const NO_CODES: readonly string[] = [];

function responsePairs(res: ServerResponse): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) pairs.push([name, String(v)]);
    else pairs.push([name, String(value)]);
  }
  return pairs;
}

/**
 * Creates the middleware. Each request head is checked with `upstreamScheme` as the transport before
 * `next` runs; the request body is never read (except to discard it after a block).
 *
 * - enforce (default): a request with SSE header errors is answered 400 `InvalidArgument` with the
 *   proxy's XML body naming the codes (or, with `onBlock: 'next'`, handed to `next(err)`), and `next`
 *   is not called otherwise. A guard that throws answers 500 `InternalError` (fail closed).
 * - report: `next()` always runs; the verdict is logged.
 *
 * When the response finishes, its headers (as the gateway set them) are checked and logged, never
 * acted on. Multipart: the middleware does not read response bodies, so an upload's id is learnt from
 * its first part's URL (the guard remembers the InitiateMultipartUpload by bucket and key until then).
 * One log line per exchange, in the proxy's shape; `upstreamMs` is null (the gateway forwards, not this).
 */
export function obsSseMiddleware(options: ObsSseMiddlewareOptions): ObsSseMiddleware {
  const setup = setupHook(options);
  const scheme = options.upstreamScheme;
  if (scheme !== 'http' && scheme !== 'https') {
    throw new TypeError(`upstreamScheme must be 'http' or 'https', got '${String(scheme)}'`);
  }
  const onBlock = options.onBlock ?? 'respond';
  const maxDrainBytes = options.maxDrainBytes ?? 64 * 1024;

  function respond(req: IncomingMessage, res: ServerResponse, code: ProxyErrorCode, message: string): void {
    const doc = obsErrorXml(code, message, newRequestId());
    const length = req.headers['content-length'];
    const small =
      req.headers['transfer-encoding'] === undefined &&
      !/100-continue/i.test(req.headers.expect ?? '') &&
      Number(length ?? 0) <= maxDrainBytes;
    res.statusCode = doc.status;
    res.setHeader('Content-Type', 'application/xml');
    res.setHeader('Content-Length', Buffer.byteLength(doc.body));
    res.setHeader('x-obs-request-id', doc.requestId);
    res.setHeader('x-obs-sse-proxy', code === 'InvalidArgument' ? 'blocked' : 'error');
    // An unread body leaves the connection's framing unknown; only a small, announced one is drained.
    if (small) req.resume();
    else res.setHeader('Connection', 'close');
    res.end(req.method === 'HEAD' ? undefined : doc.body);
  }

  return function obsSseMiddlewareHandler(
    req: IncomingMessage,
    res: ServerResponse,
    next: NextFunction,
  ): void {
    const t0 = performance.now();
    const startedAt = new Date();
    const greq: GuardRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: toPairs(req.rawHeaders),
      upstreamScheme: scheme,
    };
    const { verdict, failed } = checkRequest(setup, greq);
    const added = performance.now() - t0;
    const label: VerdictLabel = verdict.block ? (setup.mode === 'enforce' ? 'blocked' : 'reported') : 'pass';
    res.once('close', () => finish(greq, res, verdict, label, startedAt, t0, added));

    if (label === 'blocked') {
      if (onBlock === 'next') {
        next(guardError(greq, verdict));
      } else if (failed) {
        respond(req, res, 'InternalError', 'The SSE header check failed; the request was not forwarded');
      } else {
        respond(
          req,
          res,
          'InvalidArgument',
          blockedMessage(verdict.codes, verdict.message, 'obs-sse middleware'),
        );
      }
      return;
    }
    next();
  };

  function finish(
    req: GuardRequest,
    res: ServerResponse,
    verdict: RequestVerdict,
    label: VerdictLabel,
    startedAt: Date,
    t0: number,
    added: number,
  ): void {
    let responseCodes: readonly string[] = NO_CODES;
    const status = res.headersSent ? res.statusCode : null;
    if (label !== 'blocked' && status !== null) {
      const t = performance.now();
      const head = { status, headers: responsePairs(res) };
      try {
        const findings = setup.guard.checkResponse(req, head, verdict);
        responseCodes = findings.codes;
        // No body to read here: the guard falls back to learning the upload id from the first part.
        if (findings.wantBody) setup.guard.observeResponseBody?.(req, head, undefined, verdict);
      } catch (err) {
        responseCodes = ['guard/response-check-failed'];
        safeLog(setup.log, {
          event: 'guard_error',
          phase: 'response',
          time: new Date().toISOString(),
          error: String(err),
        });
      }
      added += performance.now() - t;
    }
    safeLog(
      setup.log,
      exchangeLogLine({
        startedAt,
        method: req.method,
        url: req.url,
        operation: verdict.operation,
        verdict: label,
        codes: verdict.codes,
        responseCodes,
        diagnostics: verdict.diagnostics,
        status,
        upstreamMs: null,
        addedMs: roundMs(added),
        totalMs: roundMs(performance.now() - t0),
        error: res.writableFinished ? undefined : 'client_aborted',
      }),
    );
  }
}
