/**
 * What the undici interceptor and the middleware share: options, the guard they run, and turning a
 * blocking verdict into an {@link ObsSseGuardError}.
 */
import type { GuardRequest, ProxyGuard, ProxyMode, RequestVerdict } from '../proxy/types';
import { redactUrl } from '../redact';
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

/**
 * Runs the guard on a request. A guard that throws yields a blocking {@link GUARD_FAILED} verdict, so
 * that enforce mode fails closed, as the proxy does; the error is logged without request details.
 */
export function checkRequest(
  setup: HookSetup,
  req: GuardRequest,
): { verdict: RequestVerdict; failed: boolean } {
  try {
    return { verdict: setup.guard.checkRequest(req), failed: false };
  } catch (err) {
    setup.log({ event: 'guard_error', phase: 'request', time: new Date().toISOString(), error: String(err) });
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

/** The typed error for a blocking verdict; its message names the codes and headers, never a value. */
export function guardError(req: GuardRequest, verdict: RequestVerdict, url = req.url): ObsSseGuardError {
  const summary = verdict.message ?? 'SSE header check failed';
  return new ObsSseGuardError({
    codes: verdict.codes,
    diagnostics: verdict.diagnostics as Diagnostic[],
    operation: verdict.operation,
    method: req.method,
    url: redactUrl(url),
    message: `obs-sse guard blocked ${req.method} ${redactUrl(url)}: ${summary} [${verdict.codes.join(', ')}]`,
  });
}
