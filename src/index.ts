/**
 * obs-sse-rules: Huawei Cloud OBS server-side-encryption header rules as data, and a checker compiled
 * from them.
 */
import { Checker, type CheckerOptions } from './engine/checker';
import { RULE_SET } from '../generated/ruleset';
import { loadRuleSet } from './rules/load';
import type { RuleSet } from './rules/model';
import type { ValidateOptions, ValidationResult } from './types';

let defaultChecker: Checker | undefined;

/**
 * The checker for the rules shipped in rules/, compiled on first use from the rule set that the build
 * validated (generated/ruleset.ts): no file is read at run time.
 */
export function getChecker(): Checker {
  return (defaultChecker ??= new Checker(RULE_SET));
}

/** Compiles a checker with options (severity overrides) or from another rules directory. */
export function createChecker(options: CheckerOptions & { rules?: RuleSet | string } = {}): Checker {
  const rules =
    options.rules === undefined
      ? RULE_SET
      : typeof options.rules === 'object'
        ? options.rules
        : loadRuleSet(options.rules);
  return new Checker(rules, options);
}

/**
 * Validates the SSE headers of one request or response. `valid` is true exactly when no diagnostic is an
 * error. Throws a TypeError for an unknown operation, direction, scheme or dialect.
 */
export function validateHeaders(options: ValidateOptions): ValidationResult {
  return getChecker().validate(options);
}

export { OPERATIONS } from '../generated/types';
export type { SseHeaders, SseHeadersByOperation } from '../generated/types';
export { Checker, type CheckerOptions } from './engine/checker';
export { renderMessage, type SeverityOverrides } from './engine/report';
export { normalizeHeaders } from './engine/scan';
export { loadRuleSet, RuleLoadError, defaultRulesDir } from './rules/load';
export type { RuleSet, HeaderDef, OperationDef, RuleDef, CodeDef, HeaderId } from './rules/model';
export { sseCHeaders, type SseCOptions } from './sse-c';
export * from './types';
export { addObsSseKeywords } from './ajv-keywords';
export {
  createEngineGuard,
  obsSseGuard,
  obsSseMiddleware,
  ObsSseGuardError,
  OBS_SSE_BLOCKED,
  guardErrorOf,
  type EngineGuard,
  type EngineGuardOptions,
  type GuardHookOptions,
  type ObsSseGuardOptions,
  type ObsSseMiddleware,
  type ObsSseMiddlewareOptions,
} from './guard';
export type { UploadSessionStore, Fingerprint } from './traffic/upload-id';
export { MemoryUploadSessionStore, type MemoryUploadSessionStoreOptions } from './traffic/upload-id';
export type {
  ExchangeLogLine,
  GuardRequest,
  GuardResponse,
  ProxyGuard,
  ProxyMode,
  RequestVerdict,
  ResponseFindings,
  UpstreamScheme,
} from './proxy/types';
