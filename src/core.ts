/**
 * obs-sse-rules, the package root: the engine, the shipped rules compiled at build time, the types,
 * `sseCHeaders` and the redaction helpers. It imports no Node built-in, so it runs and bundles the same in
 * Node, browsers, serverless and edge runtimes. Node-only parts live on subpaths (docs/package.md).
 */
import { RULE_SET } from '../generated/ruleset';
import { Checker, type CheckerOptions } from './engine/checker';
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

/**
 * Compiles a checker with options (severity overrides) or for another rule set. A rules directory is read
 * with `loadRuleSet(dir)` from `obs-sse-rules/rules` (Node).
 */
export function createChecker(options: CheckerOptions & { rules?: RuleSet } = {}): Checker {
  if (options.rules !== undefined && (options.rules === null || typeof options.rules !== 'object')) {
    throw new TypeError(
      "obs-sse-rules: options.rules must be a rule set; read a directory with loadRuleSet(dir) from 'obs-sse-rules/rules'",
    );
  }
  return new Checker(options.rules ?? RULE_SET, options);
}

/**
 * Validates the SSE headers of one request or response. `valid` is true exactly when no diagnostic is an
 * error. Throws a TypeError for an unknown operation, direction, scheme or dialect.
 */
export function validateHeaders(options: ValidateOptions): ValidationResult {
  return getChecker().validate(options);
}

export { OPERATIONS } from '../generated/types';
export type {
  DiagnosticCode,
  HeaderName,
  ObsHeaderName,
  S3HeaderName,
  SseHeaders,
  SseHeadersByOperation,
} from '../generated/types';
export { Checker, type CheckerOptions } from './engine/checker';
export { renderMessage, type SeverityOverrides } from './engine/report';
export { normalizeHeaders } from './engine/scan';
export type { RuleSet, HeaderDef, OperationDef, RuleDef, CodeDef, HeaderId } from './rules/model';
export { sseCHeaders, type SseCOptions } from './sse-c';
export { md5 } from './md5';
export {
  classify,
  type Addressing,
  type Classification,
  type ClassifiedOperation,
  type ClassifyInput,
  type SkippedRequest,
  type SkipReason,
} from './traffic/classify';
export * from './types';
export * from './redact';
