/**
 * The guard core: one exchange's lifecycle, which every adapter (the proxy, the undici interceptor, the
 * middleware, and hosts such as an AWS SDK middleware or a forward-auth server) runs instead of
 * re-implementing it. An adapter only translates its host's shapes:
 *
 * ```ts
 * const core = createGuardCore({ mode: 'enforce' });
 * const ex = core.judge({ method, url, headers, upstreamScheme: 'https' });
 * if (ex.needsForm) ex.judgeForm(await peekFormFields(body, contentType)); // PostObject only
 * if (ex.refused) return answer(ex.refusal());                              // nothing forwarded
 * forward();                                                                // …then, per response:
 * ex.response(status, responseHeaders);
 * ex.finish({ status });                                                    // one log line
 * ```
 *
 * The stages, in order: classify and judge the request as it will be forwarded (after hop-by-hop
 * stripping, {@link forwardedPairs}) → judge PostObject's form fields when there is a form → forward or
 * refuse → judge the response head (and, when asked, its body) → log one line. Every guard call is
 * fail-closed in one place ({@link GuardExchange}): a guard that throws yields `guard/check-failed`,
 * which enforce mode refuses; a response check that throws is `guard/response-check-failed`, logged.
 */
import { performance } from 'node:perf_hooks';

import type { NameCache } from '../engine/name-cache';
import { checkerFor } from '../inspect/report';
import { blockedMessage, type ProxyErrorCode } from '../proxy/errors';
import { exchangeSecrets, redactUrl } from '../redact';
import type { FormScan } from '../traffic/form';
import type { Diagnostic } from '../types';
import type {
  GuardRequest,
  GuardResponse,
  HeaderPairs,
  ProxyGuard,
  ProxyMode,
  RequestVerdict,
  ResponseFindings,
  UpstreamScheme,
  VerdictLabel,
} from './contract';
import { createEngineGuard, type EngineGuardOptions } from './engine-guard';
import { ObsSseGuardError } from './error';
import { forwardedPairs } from './headers';
import { defaultLog, exchangeLogLine, roundMs, safeLog } from './log';

/** The code of a verdict whose request (or form) check threw: enforce mode refuses it (fail closed). */
export const GUARD_FAILED = 'guard/check-failed';
/** The response code logged when the response check threw; responses are never acted on. */
export const RESPONSE_CHECK_FAILED = 'guard/response-check-failed';

/** Options of {@link createGuardCore}; the engine guard's options apply when no `guard` is given. */
export interface GuardCoreOptions extends EngineGuardOptions {
  /** `enforce` (default) refuses requests with SSE header errors; `report` lets them through and logs. */
  mode?: ProxyMode;
  /**
   * Receives one {@link import('./contract').ExchangeLogLine} per exchange (and `guard_error` events).
   * Default: JSON lines on stdout.
   */
  log?: (line: object) => void;
  /**
   * The guard to run instead of a new engine guard built from the options above; pass one guard to
   * several cores so that they share multipart sessions.
   */
  guard?: ProxyGuard;
}

/** A request as an adapter hands it over. */
export interface ExchangeRequest {
  method: string;
  /** The origin-form request-target (path and query) as it will be sent, not redacted. */
  url: string;
  /**
   * The request fields in wire order. Fields that a Connection field names are removed here before
   * judging, because they are removed before forwarding; pass them as received or as forwarded.
   */
  headers: HeaderPairs;
  /** The scheme of the hop to OBS: the transport rules are about that hop. */
  upstreamScheme: UpstreamScheme;
}

/** What an adapter answers a refused request with, in OBS's error vocabulary. */
export interface Refusal {
  /** 400 for a verdict, 500 when the check itself failed. */
  status: 400 | 500;
  code: Extract<ProxyErrorCode, 'InvalidArgument' | 'InternalError'>;
  /** Names codes and headers, never a value. */
  message: string;
  codes: readonly string[];
}

/** What {@link GuardExchange.finish} logs beyond what the exchange knows. */
export interface ExchangeOutcome {
  /** Status sent to the client, or null when none was. */
  status: number | null;
  /** From dispatch to the upstream response head; null (default) when not forwarded or not known. */
  upstreamMs?: number | null;
  /** The URL to log (redacted here), e.g. an absolute one; default the judged target. */
  url?: string;
  /** Why the exchange did not complete normally, e.g. `client_aborted`. */
  error?: string | undefined;
  /** Added latency to log instead of the time the core's own calls took (the proxy measures more). */
  addedMs?: number;
  /** Epoch ms or Date the exchange began; default when {@link GuardCore.judge} ran. */
  startedAt?: number | Date;
}

/** The guard core: see the module comment. */
export interface GuardCore {
  readonly mode: ProxyMode;
  readonly guard: ProxyGuard;
  readonly log: (line: object) => void;
  /**
   * The name cache of the checker the core judges with (the default checker's for an injected
   * guard): the log line and the guard's error read which header names are secret from it.
   */
  readonly names: NameCache;
  /**
   * Classifies and judges one request as it will be forwarded; `t0` (performance.now()) is when the
   * adapter began, for the log's timings. Never throws for any input.
   */
  judge(request: ExchangeRequest, t0?: number): GuardExchange;
  /**
   * Lets a guard whose sessions live in a shared store (Redis, another process) fetch what
   * {@link judge} will read for this request ({@link ProxyGuard.prepareRequest}); await the promise,
   * when there is one, before calling `judge`. Undefined, the usual case, means judge at once. Never
   * rejects: a store failure is judged by the store's failure policy inside `judge`.
   */
  prepare(request: ExchangeRequest): Promise<void> | undefined;
  /**
   * Logs a `session_evictions` event when the guard's store has dropped sessions since the last one
   * (at most once a second; the event carries the count since the last and the total). Called by
   * {@link GuardExchange.finish}.
   */
  noteSessions(): void;
}

/** At most one `session_evictions` event per this many milliseconds. */
const EVICTION_LOG_INTERVAL = 1000;

const NO_CODES: readonly string[] = Object.freeze([]);

/** One exchange through the core. Adapters read its fields and call its methods in lifecycle order. */
export class GuardExchange {
  /** The request as judged: the adapter's, with the fields a Connection field names removed. */
  readonly request: GuardRequest;
  verdict: RequestVerdict;
  label: VerdictLabel;
  /** The guard threw producing the verdict: a refusal is a 500, not a 400. */
  failed = false;
  /** The verdict waits on PostObject's form fields: read them, then {@link judgeForm}. */
  needsForm: boolean;
  /** Milliseconds the core's calls have taken so far. */
  added: number;
  responseCodes: readonly string[] = NO_CODES;
  /** The response head, once {@link response} ran. */
  responseHead: GuardResponse | undefined;
  /** {@link response} asked for the body: hand it (or undefined) to {@link responseBody} when it ends. */
  wantBody = false;
  readonly startedAt: number;
  readonly t0: number;
  /** PostObject's fields once read: a key among them is redacted wherever else it shows. */
  formFields: FormScan['fields'] | undefined;
  /** The headers as the client sent them, Connection-named ones included: their keys are redacted too. */
  private readonly receivedHeaders: HeaderPairs;
  private logged = false;

  constructor(
    private readonly core: GuardCore,
    request: ExchangeRequest,
    t0: number,
  ) {
    this.t0 = t0;
    this.startedAt = Date.now();
    this.receivedHeaders = request.headers;
    const headers = forwardedPairs(request.headers);
    this.request =
      headers === request.headers
        ? request
        : { method: request.method, url: request.url, headers, upstreamScheme: request.upstreamScheme };
    this.verdict = this.guarded('request', () => core.guard.checkRequest(this.request));
    this.label = this.labelOf();
    this.needsForm = this.verdict.readForm === true && typeof core.guard.checkForm === 'function';
    this.added = performance.now() - t0;
  }

  /** Enforce mode refuses this request: answer {@link refusal} (or throw {@link error}); forward nothing. */
  get refused(): boolean {
    return this.label === 'blocked';
  }

  /**
   * Replaces the head's verdict with the guard's verdict on the form fields read for it (fail closed);
   * `since` is when the adapter began reading the form, which counts as added latency.
   */
  judgeForm(form: FormScan, since = performance.now()): void {
    const head = this.verdict;
    const guard = this.core.guard;
    this.verdict = this.guarded('form', () =>
      guard.checkForm ? guard.checkForm(this.request, form, head) : head,
    );
    this.formFields = form.fields;
    this.label = this.labelOf();
    this.needsForm = false;
    this.added += performance.now() - since;
  }

  /** The answer to a refused request. */
  refusal(by?: string): Refusal {
    const codes = this.verdict.codes;
    if (this.failed) {
      return {
        status: 500,
        code: 'InternalError',
        message: 'The SSE header check failed; the request was not forwarded',
        codes,
      };
    }
    return {
      status: 400,
      code: 'InvalidArgument',
      message: blockedMessage(codes, this.verdict.message, by),
      codes,
    };
  }

  /** The typed error for a refused request; its message names codes and headers, never a value. */
  error(url = this.request.url): ObsSseGuardError {
    const { request: req, verdict } = this;
    const summary = verdict.message ?? 'SSE header check failed';
    // Every key the request carries (headers, query, form fields) is redacted wherever it shows in the URL.
    const safeUrl = redactUrl(
      url,
      exchangeSecrets({
        url,
        headers: this.receivedHeaders,
        fields: this.formFields,
        names: this.core.names,
      }),
    );
    return new ObsSseGuardError({
      codes: verdict.codes,
      diagnostics: verdict.diagnostics as Diagnostic[],
      operation: verdict.operation,
      method: req.method,
      url: safeUrl,
      message: `obs-sse guard blocked ${req.method} ${safeUrl}: ${summary} [${verdict.codes.join(', ')}]`,
    });
  }

  /** Judges the response head; findings are logged, never acted on. Sets {@link wantBody}. */
  response(status: number, headers: HeaderPairs): ResponseFindings | undefined {
    const t = performance.now();
    const head: GuardResponse = { status, headers };
    this.responseHead = head;
    let findings: ResponseFindings | undefined;
    try {
      findings = this.core.guard.checkResponse(this.request, head, this.verdict);
      this.responseCodes = findings.codes;
      this.wantBody = findings.wantBody === true && this.core.guard.observeResponseBody !== undefined;
    } catch (err) {
      this.responseCodes = [RESPONSE_CHECK_FAILED];
      this.guardError('response', err);
    }
    this.added += performance.now() - t;
    return findings;
  }

  /**
   * Hands the guard the body {@link response} asked for (undefined: not XML, too large, or not read).
   * Call it before the client sees the response end: its next request may depend on what was learnt.
   */
  responseBody(body: string | undefined): void {
    if (!this.wantBody || this.responseHead === undefined) return;
    this.wantBody = false;
    try {
      this.core.guard.observeResponseBody?.(this.request, this.responseHead, body, this.verdict);
    } catch (err) {
      this.guardError('response-body', err);
    }
  }

  /** Logs the exchange's one line; later calls do nothing. */
  finish(outcome: ExchangeOutcome): void {
    if (this.logged) return;
    this.logged = true;
    const v = this.verdict;
    safeLog(
      this.core.log,
      exchangeLogLine({
        startedAt: outcome.startedAt ?? this.startedAt,
        method: this.request.method,
        url: outcome.url ?? this.request.url,
        requestHeaders: this.receivedHeaders,
        formFields: this.formFields,
        names: this.core.names,
        operation: v.operation,
        verdict: this.label,
        codes: v.codes,
        responseCodes: this.responseCodes,
        diagnostics: v.diagnostics,
        status: outcome.status,
        upstreamMs: outcome.upstreamMs ?? null,
        addedMs: outcome.addedMs ?? roundMs(this.added),
        totalMs: roundMs(performance.now() - this.t0),
        error: outcome.error,
      }),
    );
    this.core.noteSessions();
  }

  private labelOf(): VerdictLabel {
    return this.verdict.block ? (this.core.mode === 'enforce' ? 'blocked' : 'reported') : 'pass';
  }

  /** The one fail-closed policy: a guard that throws yields a blocking {@link GUARD_FAILED} verdict. */
  private guarded(phase: 'request' | 'form', run: () => RequestVerdict): RequestVerdict {
    try {
      const verdict = run();
      this.failed = false;
      return verdict;
    } catch (err) {
      this.guardError(phase, err);
      this.failed = true;
      return {
        block: true,
        codes: [GUARD_FAILED],
        message: 'the SSE header check failed; the request was not forwarded',
        diagnostics: [],
      };
    }
  }

  /** Logs a guard failure without request details (its message could quote a value). */
  private guardError(phase: string, err: unknown): void {
    const name = err instanceof Error ? err.name : typeof err;
    safeLog(this.core.log, { event: 'guard_error', phase, time: new Date().toISOString(), error: name });
  }
}

/** Creates the guard core; see the module comment for the lifecycle an adapter runs. */
export function createGuardCore(options: GuardCoreOptions = {}): GuardCore {
  const mode = options.mode ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'report') {
    throw new TypeError(`mode must be 'enforce' or 'report', got '${String(mode)}'`);
  }
  const guard = options.guard ?? createEngineGuard(options);
  const log = options.log ?? defaultLog;
  let logged = 0;
  let loggedAt = -Infinity;
  const core: GuardCore = {
    mode,
    log,
    guard,
    names: checkerFor(options.severity ? { severity: options.severity } : {}).names,
    judge: (request, t0 = performance.now()) => new GuardExchange(core, request, t0),
    prepare(request): Promise<void> | undefined {
      if (guard.prepareRequest === undefined) return undefined;
      // The guard sees the request as judge() will judge it: as forwarded.
      const headers = forwardedPairs(request.headers);
      const judged = headers === request.headers ? request : { ...request, headers };
      try {
        return guard.prepareRequest(judged)?.catch(() => undefined);
      } catch {
        return undefined; // judge() then reads what is at hand; its own failures are fail-closed there
      }
    },
    noteSessions(): void {
      let total: number;
      try {
        total = guard.sessionEvictions?.() ?? 0;
      } catch {
        return; // an injected guard's statistics are not worth failing an exchange for
      }
      if (total === logged) return;
      const now = performance.now();
      if (now - loggedAt < EVICTION_LOG_INTERVAL) return;
      safeLog(log, {
        event: 'session_evictions',
        time: new Date().toISOString(),
        evicted: total - logged,
        total,
      });
      logged = total;
      loggedAt = now;
    },
  };
  return core;
}
