/**
 * What the undici interceptor and the middleware share: options, the guard they run (on the head and,
 * for PostObject, on the form fields), and turning a blocking verdict into an {@link ObsSseGuardError}.
 */
import { performance } from 'node:perf_hooks';

import type { GuardRequest, ProxyGuard, ProxyMode, RequestVerdict, VerdictLabel } from '../proxy/types';
import type { FormScan } from '../traffic/form';
import { exchangeSecrets, redactUrl } from '../redact';
import type { Diagnostic } from '../types';
import { createEngineGuard, type EngineGuardOptions } from './engine-guard';
import { ObsSseGuardError } from './error';
import { defaultLog } from './log';

/** Options every hook takes. */
export interface GuardHookOptions extends EngineGuardOptions {
  /** `enforce` (default) stops requests with SSE header errors; `report` lets them through and logs. */
  mode?: ProxyMode;
  /**
   * Receives one {@link import('../proxy/types').ExchangeLogLine} per exchange (and `guard_error` events),
   * the proxy's shape. Default: JSON lines on stdout, as the proxy writes them.
   */
  log?: (line: object) => void;
  /**
   * The guard to run instead of a new engine guard built from the options above; pass one guard to
   * several hooks so they share multipart sessions.
   */
  guard?: ProxyGuard;
}

/** The code a verdict carries when the guard itself threw. */
export const GUARD_FAILED = 'guard/check-failed';

/** The resolved options of a hook. */
export interface HookSetup {
  mode: ProxyMode;
  log: (line: object) => void;
  guard: ProxyGuard;
}

/** Resolves the defaults of {@link GuardHookOptions}. */
export function setupHook(options: GuardHookOptions): HookSetup {
  const mode = options.mode ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'report') {
    throw new TypeError(`mode must be 'enforce' or 'report', got '${String(mode)}'`);
  }
  return { mode, log: options.log ?? defaultLog, guard: options.guard ?? createEngineGuard(options) };
}

/** A hook's judgement of one request: the head's verdict, replaced by the form's once that is read. */
export interface Judged {
  setup: HookSetup;
  req: GuardRequest;
  verdict: RequestVerdict;
  label: VerdictLabel;
  /** The guard threw producing the verdict: enforce mode answers a failure, not a block. */
  failed: boolean;
  /** The verdict waits on PostObject's form fields: read them, then {@link judgeForm}. */
  readForm: boolean;
  /** Milliseconds the hook has added to the exchange so far. */
  added: number;
  /** PostObject's fields once read, so that a key among them is redacted wherever else it shows. */
  formFields?: FormScan['fields'];
}

/**
 * Runs one guard call. A guard that throws yields a blocking {@link GUARD_FAILED} verdict, so that
 * enforce mode fails closed, as the proxy does; the error is logged without request details.
 */
function guarded(
  setup: HookSetup,
  phase: 'request' | 'form',
  run: () => RequestVerdict,
): { verdict: RequestVerdict; failed: boolean } {
  try {
    return { verdict: run(), failed: false };
  } catch (err) {
    setup.log({ event: 'guard_error', phase, time: new Date().toISOString(), error: String(err) });
    return {
      verdict: {
        block: true,
        codes: [GUARD_FAILED],
        message: 'the SSE header check failed; the request was not sent',
        diagnostics: [],
      },
      failed: true,
    };
  }
}

function labelOf(setup: HookSetup, verdict: RequestVerdict): VerdictLabel {
  return verdict.block ? (setup.mode === 'enforce' ? 'blocked' : 'reported') : 'pass';
}

/** Runs the guard on a request head (fails closed, see {@link guarded}); `t0` is when the hook began. */
export function judgeRequest(setup: HookSetup, req: GuardRequest, t0: number): Judged {
  const { verdict, failed } = guarded(setup, 'request', () => setup.guard.checkRequest(req));
  return {
    setup,
    req,
    verdict,
    label: labelOf(setup, verdict),
    failed,
    readForm: verdict.readForm === true && typeof setup.guard.checkForm === 'function',
    added: performance.now() - t0,
  };
}

/**
 * Replaces the head's verdict with the guard's verdict on the form fields read for it (fails closed
 * like {@link judgeRequest}); `since` is when the hook began reading the form, which counts as added.
 */
export function judgeForm(judged: Judged, form: FormScan, since: number): void {
  const { setup, req } = judged;
  const head = judged.verdict;
  const { verdict, failed } = guarded(setup, 'form', () =>
    setup.guard.checkForm ? setup.guard.checkForm(req, form, head) : head,
  );
  judged.verdict = verdict;
  judged.formFields = form.fields;
  judged.label = labelOf(setup, verdict);
  judged.failed = failed;
  judged.readForm = false;
  judged.added += performance.now() - since;
}

/**
 * The typed error for a blocking verdict; its message names the codes and headers, never a value, and
 * its URL has every key of the request (headers, query, `formFields`) redacted.
 */
export function guardError(
  req: GuardRequest,
  verdict: RequestVerdict,
  url = req.url,
  formFields?: FormScan['fields'],
): ObsSseGuardError {
  const summary = verdict.message ?? 'SSE header check failed';
  const safeUrl = redactUrl(url, exchangeSecrets({ url, headers: req.headers, fields: formFields }));
  return new ObsSseGuardError({
    codes: verdict.codes,
    diagnostics: verdict.diagnostics as Diagnostic[],
    operation: verdict.operation,
    method: req.method,
    url: safeUrl,
    message: `obs-sse guard blocked ${req.method} ${safeUrl}: ${summary} [${verdict.codes.join(', ')}]`,
  });
}
