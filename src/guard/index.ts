/**
 * The guard: the linter's per-exchange checks in the path of live traffic. One engine-backed
 * {@link createEngineGuard} serves the reverse proxy (src/proxy), the undici interceptor
 * ({@link obsSseGuard}) and the node:http/Express/Connect middleware ({@link obsSseMiddleware}); all
 * three log the same line shape and block with the same codes.
 */
export {
  createEngineGuard,
  type EngineGuard,
  type EngineGuardOptions,
  type EngineResponseFindings,
  type EngineVerdict,
  type GuardAddressing,
} from './engine-guard';
export { ObsSseGuardError, OBS_SSE_BLOCKED, guardErrorOf, type ObsSseGuardErrorInit } from './error';
export {
  createGuardCore,
  GUARD_FAILED,
  GuardExchange,
  RESPONSE_CHECK_FAILED,
  type ExchangeOutcome,
  type ExchangeRequest,
  type GuardCore,
  type GuardCoreOptions,
  type GuardCoreOptions as GuardHookOptions,
  type Refusal,
} from './core';
export type * from './contract';
export { defaultLog, exchangeLogLine, type ExchangeLogFields } from './log';
export {
  obsSseMiddleware,
  type NextFunction,
  type ObsSseMiddleware,
  type ObsSseMiddlewareOptions,
} from './middleware';
export { obsSseGuard, type ObsSseGuardOptions } from './undici';
export { blockReason, codesOf } from './verdict';
