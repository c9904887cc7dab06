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

import { newRequestId, obsErrorXml } from '../proxy/errors';
import { peekFormFields, scanFormBytes, type FormScan } from '../traffic/form';
import type { HeaderPairs, UpstreamScheme } from './contract';
import {
  createGuardCore,
  type ExchangeRequest,
  type GuardCoreOptions,
  type GuardExchange,
  type Refusal,
} from './core';
import { headerPairs, toPairs } from './headers';
import { safeLog } from './log';

/** Options of {@link obsSseMiddleware}. */
export interface ObsSseMiddlewareOptions extends GuardCoreOptions {
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  // multer's req.body has no prototype at all.
  return proto === Object.prototype || proto === null;
}

/** The string fields of a parsed body (repeated fields as arrays of strings), as form fields. */
function parsedFields(body: Record<string, unknown>): HeaderPairs {
  const fields: HeaderPairs = [];
  for (const [name, value] of Object.entries(body)) {
    const lower = name.toLowerCase();
    if (lower === 'file') continue;
    if (typeof value === 'string') fields.push([lower, value]);
    else if (Array.isArray(value)) {
      for (const v of value) if (typeof v === 'string') fields.push([lower, v]);
    }
  }
  return fields;
}

/**
 * PostObject's form: peeked from the request stream (its bytes go back for the handlers after this
 * one), unless an earlier handler has consumed the stream. Then a body parser's result stands in: a
 * plain object (multer, body-parser) for its string fields; raw bytes or text for a scan of them; anything
 * else leaves the form unread. A `req.body` alone proves nothing: body-parser sets `{}` on requests it
 * skips, with their stream untouched.
 */
async function formOf(req: IncomingMessage): Promise<FormScan> {
  const type = req.headers['content-type'] ?? '';
  if (req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined) {
    // An empty body is judged without touching the stream: even a 'readable' listener makes an empty
    // stream emit 'end' at once, before the handlers after this one listen for it, and they would hang.
    return scanFormBytes('', type);
  }
  if (!req.readableEnded && !req.readableDidRead && req.readableFlowing !== true) {
    // A request cut off before anyone read it would never show its form.
    return req.destroyed ? { fields: [], unread: 'incomplete' } : peekFormFields(req, type);
  }
  const parsed = (req as { body?: unknown }).body;
  if (isPlainObject(parsed)) return { fields: parsedFields(parsed) };
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) return scanFormBytes(parsed, type);
  return { fields: [], unread: 'incomplete' };
}

/**
 * Creates the middleware. Each request head is checked with `upstreamScheme` as the transport before
 * `next` runs; the request body is not read, except PostObject's form (below) and to discard a
 * blocked request's body.
 *
 * - enforce (default): a request with SSE header errors is answered 400 `InvalidArgument` with the
 *   proxy's XML body naming the codes (or, with `onBlock: 'next'`, handed to `next(err)`), and `next`
 *   is not called otherwise. A guard that throws answers 500 `InternalError` (fail closed).
 * - report: `next()` always runs; the verdict is logged.
 *
 * PostObject carries its SSE settings as form fields: the middleware reads the fields before the file
 * part (at most 64 KiB) from the request and puts the bytes back, so the handlers after it still read
 * the whole body; the verdict on the fields then decides as above. A form that cannot be read that way
 * is `form/unchecked`, an error by default. Mount it before any body parser; if one has consumed the
 * body already, its `req.body` is judged instead (a plain object's string fields, or raw bytes), and
 * anything else is `form/unchecked`. The middleware sends no `100 Continue`: node answers it itself
 * before the request reaches the app, unless the app handles `'checkContinue'`, and then the app must
 * send it before this middleware runs or the form never arrives.
 *
 * When the response finishes, its headers (as the gateway set them) are checked and logged, never
 * acted on. Multipart: the middleware does not read response bodies, so an upload's id is learnt from
 * its first part's URL (the guard remembers the InitiateMultipartUpload by bucket and key until then).
 * With a shared session store (`store` and `pending` from `openSessionStores`), a part, a completion or
 * a later append waits for its session (and its object's pending initiate) to be fetched from the store
 * before it is judged, as in the proxy; a store failure is judged by the store's failure policy
 * (`session/store-unavailable` under `closed`). Only those requests and PostObject call `next`
 * asynchronously. One log line per exchange, in the proxy's shape; `upstreamMs` is null (the gateway forwards, not this).
 */
export function obsSseMiddleware(options: ObsSseMiddlewareOptions): ObsSseMiddleware {
  const core = createGuardCore(options);
  const scheme = options.upstreamScheme;
  if (scheme !== 'http' && scheme !== 'https') {
    throw new TypeError(`upstreamScheme must be 'http' or 'https', got '${String(scheme)}'`);
  }
  const onBlock = options.onBlock ?? 'respond';
  const maxDrainBytes = options.maxDrainBytes ?? 64 * 1024;

  function respond(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    const doc = obsErrorXml(refusal.code, refusal.message, newRequestId());
    const length = req.headers['content-length'];
    const small =
      req.headers['transfer-encoding'] === undefined &&
      !/100-continue/i.test(req.headers.expect ?? '') &&
      Number(length ?? 0) <= maxDrainBytes;
    res.statusCode = doc.status;
    res.setHeader('Content-Type', 'application/xml');
    res.setHeader('Content-Length', Buffer.byteLength(doc.body));
    res.setHeader('x-obs-request-id', doc.requestId);
    res.setHeader('x-obs-sse-proxy', refusal.code === 'InvalidArgument' ? 'blocked' : 'error');
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
    const request: ExchangeRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: toPairs(req.rawHeaders),
      upstreamScheme: scheme,
    };
    // A guard with a shared session store may first have to fetch a part's session (never rejects);
    // every other request is judged at once, and `next` runs on the caller's stack.
    const ready = core.prepare(request);
    if (ready === undefined) {
      run(req, res, next, core.judge(request, t0));
      return;
    }
    ready
      .then(() => {
        const g = core.judge(request, t0);
        // The client left while its session was fetched: nobody to answer, only the line to log.
        if (res.destroyed) finish(res, g);
        else guardedNext(next, () => run(req, res, next, g));
      })
      .catch((err: unknown) => logGuardError('prepare', err));
  };

  /** Decides on a judged request, after reading PostObject's form when its verdict waits on one. */
  function run(req: IncomingMessage, res: ServerResponse, next: NextFunction, g: GuardExchange): void {
    // The exchange is logged with the verdict that counts when the response closes.
    res.once('close', () => finish(res, g));
    if (!g.needsForm) {
      decide(req, res, next, g);
      return;
    }
    const t = performance.now();
    formOf(req)
      .catch((): FormScan => ({ fields: [], unread: 'incomplete' }))
      .then((form) => {
        g.judgeForm(form, t);
        // The client left while its form was read: nobody to answer, nothing whole to forward.
        if (res.destroyed) return;
        guardedNext(next, () => decide(req, res, next, g));
      })
      .catch((err: unknown) => logGuardError('form', err));
  }

  /** Runs a step off the caller's stack; a throw from it (the app's next handler) goes to `next(err)`. */
  function guardedNext(next: NextFunction, step: () => void): void {
    try {
      step();
    } catch (err) {
      // What Express does with a handler that throws, here where no router can catch it.
      next(err);
    }
  }

  function logGuardError(phase: string, err: unknown): void {
    safeLog(core.log, {
      event: 'guard_error',
      phase,
      time: new Date().toISOString(),
      error: err instanceof Error ? err.name : typeof err,
    });
  }

  /** Refuses or passes a request on its verdict. */
  function decide(req: IncomingMessage, res: ServerResponse, next: NextFunction, g: GuardExchange): void {
    if (!g.refused) next();
    else if (onBlock === 'next') next(g.error());
    else respond(req, res, g.refusal('obs-sse middleware'));
  }

  function finish(res: ServerResponse, g: GuardExchange): void {
    const status = res.headersSent ? res.statusCode : null;
    if (!g.refused && status !== null) {
      g.response(status, headerPairs(res.getHeaders()));
      // No body to read here: the guard falls back to learning the upload id from the first part.
      g.responseBody(undefined);
    }
    g.finish({ status, error: res.writableFinished ? undefined : 'client_aborted' });
  }
}
