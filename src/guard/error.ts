import type { Diagnostic } from '../types';

/** The `code` of every {@link ObsSseGuardError}, in Node's `ERR_*` style. */
export const OBS_SSE_BLOCKED = 'ERR_OBS_SSE_BLOCKED';

/** What an {@link ObsSseGuardError} is built from. */
export interface ObsSseGuardErrorInit {
  /** The diagnostic codes that caused the block (errors first), e.g. `sse-c/invalid-key`. */
  codes: readonly string[];
  diagnostics: readonly Diagnostic[];
  /** The classified OBS operation, when the request was one. */
  operation?: string | undefined;
  method: string;
  /** The request URL with credential query values redacted. */
  url: string;
  /** A message naming codes and headers, never a header value. */
  message: string;
}

/**
 * Thrown (undici interceptor) or passed to `next` (middleware with `onBlock: 'next'`) when enforce mode
 * stops a request with SSE header errors. Nothing was sent to OBS. The message and every field name
 * codes and headers only; `diagnostics` may quote non-secret values (never a customer key).
 *
 * `status`/`statusCode` 400 and `expose` follow the conventions Express and Connect error handlers read.
 */
export class ObsSseGuardError extends Error {
  /** Always {@link OBS_SSE_BLOCKED}. */
  readonly code = OBS_SSE_BLOCKED;
  /** The OBS error code a proxy answers the same block with. */
  readonly obsCode = 'InvalidArgument';
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly codes: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  readonly operation: string | undefined;
  readonly method: string;
  readonly url: string;

  constructor(init: ObsSseGuardErrorInit) {
    super(init.message);
    this.name = 'ObsSseGuardError';
    this.codes = init.codes;
    this.diagnostics = init.diagnostics;
    this.operation = init.operation;
    this.method = init.method;
    this.url = init.url;
  }
}

/**
 * The {@link ObsSseGuardError} behind an error: the error itself, or the `cause` fetch wraps it in
 * (`TypeError: fetch failed`). Undefined for any other error.
 */
export function guardErrorOf(err: unknown): ObsSseGuardError | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if (e instanceof ObsSseGuardError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
