/**
 * The shipped rules' checker, and compiling others from a rule set or a rules directory. Here rather than
 * in src/index.ts so that modules inside src/ can use it without importing the everything-module (which
 * imports them: a cycle).
 */
import { createChecker as createCoreChecker } from '../core';
import { loadRuleSet } from '../rules/load';
import type { RuleSet } from '../rules/model';
import type { Checker, CheckerOptions } from './checker';

export { getChecker } from '../core';

/** Compiles a checker with options (severity overrides), for another rule set or another rules directory. */
export function createChecker(options: CheckerOptions & { rules?: RuleSet | string } = {}): Checker {
  const { rules } = options;
  return createCoreChecker({ ...options, rules: typeof rules === 'string' ? loadRuleSet(rules) : rules });
}
