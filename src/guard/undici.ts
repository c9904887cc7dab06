/**
 * The undici interceptor: the proxy's checks on requests an application sends itself with undici or
 * its `fetch`, before a byte leaves the process.
 *
 * ```ts
 * import { Agent, fetch } from 'undici';
 * const dispatcher = new Agent().compose(obsSseGuard({ mode: 'enforce' }));
 * await fetch(url, { method: 'PUT', headers, body, dispatcher });
 * ```
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

import type { UpstreamScheme } from './contract';
import { createGuardCore, type ExchangeRequest, type GuardCoreOptions, type GuardExchange } from './core';
import { readFormBody } from './dispatch-body';
import { headerPairs, firstValue } from './headers';
import { roundMs, safeLog } from './log';

/** Options of {@link obsSseGuard}. */
export type ObsSseGuardOptions = GuardCoreOptions;

/**
 * An undici 7 interceptor (`Dispatcher.DispatcherComposeInterceptor`): it returns a dispatch of the type it
 * wraps. Spelt structurally so that these declarations compile without undici, an optional peer, installed.
 */
export type ObsSseInterceptor = <D extends (options: never, handler: never) => boolean>(dispatch: D) => D;

type IncomingHeaders = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2];

const MAX_CAPTURED_XML = 64 * 1024;

/** A controller for a request that never started: blocking happens before undici has one. */
function idleController(): Dispatcher.DispatchController {
  return {
    aborted: false,
    paused: false,
    reason: null,
    abort: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
  };
}

function pathWithQuery(path: string, query: Record<string, unknown> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else if (v !== undefined && v !== null) params.append(k, String(v));
  }
  const q = params.toString();
  if (q === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${q}`;
}

/** The core's exchange plus what the interceptor adds for its log line. */
interface Exchange {
  g: GuardExchange;
  url: string;
  tDispatch: number;
  tResponse: number;
}

/** Wraps the caller's handler to check the response head, learn upload ids, and log the exchange. */
class GuardHandler implements Dispatcher.DispatchHandler {
  private status: number | null = null;
  private chunks: Buffer[] | undefined;
  private captured = 0;

  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly ex: Exchange,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHeaders,
    socket: Duplex,
  ): void {
    this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode >= 200) {
      const g = this.ex.g;
      this.ex.tResponse = performance.now();
      this.status = statusCode;
      const pairs = headerPairs(headers);
      g.response(statusCode, pairs);
      if (g.wantBody) {
        if (/xml/i.test(firstValue(pairs, 'content-type') ?? '')) this.chunks = [];
        else g.responseBody(undefined);
      }
    }
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks !== undefined) {
      this.captured += chunk.length;
      if (this.captured <= MAX_CAPTURED_XML) this.chunks.push(chunk);
    }
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHeaders): void {
    if (this.chunks !== undefined) {
      const body =
        this.captured <= MAX_CAPTURED_XML ? Buffer.concat(this.chunks).toString('utf8') : undefined;
      this.chunks = undefined;
      // Before the caller sees the end: its next request may be the first part of this upload.
      this.ex.g.responseBody(body);
    }
    this.log(undefined);
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error): void {
    this.log((err as { code?: string }).code ?? err.name);
    this.handler.onResponseError?.(controller, err);
  }

  private log(error: string | undefined): void {
    const ex = this.ex;
    ex.g.finish({
      status: this.status,
      url: ex.url,
      upstreamMs: ex.tResponse > 0 ? roundMs(ex.tResponse - ex.tDispatch) : null,
      error,
    });
  }
}

/** Logs a refused exchange and fails the request with its {@link ObsSseGuardError}; nothing was sent. */
function block(ex: Exchange, handler: Dispatcher.DispatchHandler): void {
  ex.g.finish({ status: null, url: ex.url });
  handler.onResponseError?.(idleController(), ex.g.error(ex.url));
}

/**
 * PostObject: reads the form fields from the body and lets the guard judge them. Resolves to the
 * options to dispatch, or undefined when enforce mode blocks.
 */
async function judgeFormBody(
  opts: Dispatcher.DispatchOptions,
  ex: Exchange,
): Promise<Dispatcher.DispatchOptions | undefined> {
  const t = performance.now();
  const read = await readFormBody(opts.body, firstValue(ex.g.request.headers, 'content-type'));
  // Waiting for the body's first bytes is latency the guard adds, too.
  ex.g.judgeForm(read.form, t);
  if (ex.g.refused) {
    // The caller's body is partly read and cannot be sent again: release what the wrapper holds.
    read.wrapper?.destroy();
    return undefined;
  }
  const body = read.body as Dispatcher.DispatchOptions['body'];
  return body === opts.body ? opts : { ...opts, body };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Logs a failure of the guard's own off the caller's stack, where no caller could catch it. */
function logFailure(log: (line: object) => void, phase: string, err: unknown): void {
  safeLog(log, { event: 'guard_error', phase, time: new Date().toISOString(), error: String(err) });
}

/** What a request that goes on off the caller's stack needs: the caller's request and the next dispatch. */
interface Onward {
  log: (line: object) => void;
  dispatch: Dispatcher.Dispatch;
  opts: Dispatcher.DispatchOptions;
  handler: Dispatcher.DispatchHandler;
}

/**
 * Blocks (`checked` undefined) or dispatches `checked`, once a verdict that had to wait is in. Runs off
 * the caller's stack, so nothing may throw: every outcome ends at the caller's handler, and a failure of
 * the guard's own is logged. A request that never went out still gets its one exchange line, which the
 * GuardHandler writes.
 */
function settle(on: Onward, ex: Exchange, checked: Dispatcher.DispatchOptions | undefined): void {
  if (checked === undefined) {
    try {
      block(ex, on.handler);
    } catch (err) {
      logFailure(on.log, 'dispatch', err);
    }
    return;
  }
  ex.tDispatch = performance.now();
  const guarded = new GuardHandler(on.handler, ex);
  try {
    on.dispatch(checked, guarded);
  } catch (err) {
    fail(on.log, guarded, err);
  }
}

function fail(log: (line: object) => void, guarded: GuardHandler, err: unknown): void {
  try {
    guarded.onResponseError(idleController(), asError(err));
  } catch (e) {
    logFailure(log, 'dispatch', e);
  }
}

/** Goes on with a judged request off the caller's stack: reads its form first, or blocks, or dispatches. */
function proceed(on: Onward, ex: Exchange): void {
  if (ex.g.needsForm) dispatchAfterForm(on, ex);
  else settle(on, ex, ex.g.refused ? undefined : on.opts);
}

/** Reads and judges a PostObject's form, then blocks or dispatches (see {@link settle}). */
function dispatchAfterForm(on: Onward, ex: Exchange): void {
  judgeFormBody(on.opts, ex).then(
    (checked) => settle(on, ex, checked),
    (err: unknown) => {
      logFailure(on.log, 'form', err);
      fail(on.log, new GuardHandler(on.handler, ex), err);
    },
  );
}

/**
 * An undici interceptor that runs the proxy's checks on every request dispatched through it
 * (`dispatcher.compose(obsSseGuard({ mode }))`, undici 7). The operation is classified from method,
 * origin, path and headers; the transport rules are judged on the origin's scheme.
 *
 * - enforce (default): a request with SSE header errors fails with an {@link ObsSseGuardError} before
 *   anything is sent (`fetch` rejects with `TypeError: fetch failed` whose `cause` is that error; use
 *   `guardErrorOf`). A guard that throws fails the request the same way (code `guard/check-failed`).
 * - report: the request goes out and the verdict is logged.
 *
 * PostObject carries its SSE settings as form fields: the interceptor reads the fields before the file
 * part (at most 64 KiB) from the body, whatever its kind (bytes, Blob, FormData, a Readable, a web
 * stream, an iterable such as the body `fetch` dispatches), judges them, and only then dispatches, with
 * a body that still yields every byte (a web stream or iterable travels on as a Readable around it).
 * A form that cannot be read that way is `form/unchecked`, an error by default. A body stream counts as
 * read once peeked, so interceptors composed inside this one that re-send bodies (redirect, retry) will
 * not re-send it.
 *
 * Response headers are checked in both modes and only ever logged. A successful
 * InitiateMultipartUpload's XML body is read (as it streams to the caller) for its upload id, so later
 * parts are held to its SSE-C key. With a shared session store (`store` and `pending` from
 * `openSessionStores`), a part, a completion or a later append waits for its session to be fetched from
 * the store before it is judged, as in the proxy; a store failure is judged by the store's failure
 * policy (`session/store-unavailable` under `closed`). PostObject and those requests are the only ones
 * dispatched asynchronously; every other request is judged and dispatched on the caller's stack. One
 * log line per exchange, in the proxy's shape.
 */
export function obsSseGuard(options: ObsSseGuardOptions = {}): ObsSseInterceptor {
  const core = createGuardCore(options);
  const interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) =>
    function obsSseGuardDispatch(
      opts: Dispatcher.DispatchOptions,
      handler: Dispatcher.DispatchHandler,
    ): boolean {
      const t0 = performance.now();
      let origin: URL;
      try {
        origin = new URL(String(opts.origin));
      } catch {
        // No origin to judge (undici will refuse the request itself): nothing for the guard to say.
        return dispatch(opts, handler);
      }
      const scheme: UpstreamScheme = origin.protocol === 'https:' ? 'https' : 'http';
      const path = pathWithQuery(opts.path, opts.query);
      const headers = headerPairs(opts.headers);
      if (firstValue(headers, 'host') === undefined) headers.push(['host', origin.host]);
      const request: ExchangeRequest = { method: opts.method, url: path, headers, upstreamScheme: scheme };
      const judge = (): Exchange => ({
        g: core.judge(request, t0),
        url: `${origin.origin}${path}`,
        tDispatch: 0,
        tResponse: 0,
      });
      // A guard with a shared session store may first have to fetch a part's session (never rejects);
      // every other request is judged and dispatched at once, on the caller's stack.
      const ready = core.prepare(request);
      if (ready !== undefined) {
        ready
          .then(() => proceed({ log: core.log, dispatch, opts, handler }, judge()))
          .catch((err: unknown) => {
            logFailure(core.log, 'prepare', err);
            handler.onResponseError?.(idleController(), asError(err));
          });
        return true;
      }
      const ex = judge();
      if (ex.g.needsForm) {
        dispatchAfterForm({ log: core.log, dispatch, opts, handler }, ex);
        return true;
      }
      if (ex.g.refused) {
        block(ex, handler);
        return true;
      }
      ex.tDispatch = performance.now();
      return dispatch(opts, new GuardHandler(handler, ex));
    };
  return interceptor as ObsSseInterceptor;
}
