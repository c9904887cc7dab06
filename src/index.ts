/**
 * Everything in one module, as the package root exported it up to 0.1: the isomorphic core (./core, the
 * package root now) and the Node parts that have their own subpaths now (./entries). The CLI and the tests
 * import from here; package users import `obs-sse-rules` and its subpaths (docs/package.md).
 */
import { createChecker as createCoreChecker } from './core';
import type { Checker, CheckerOptions } from './engine/checker';
import { loadRuleSet } from './rules/load';
import type { RuleSet } from './rules/model';

export * from './core';

/** Compiles a checker with options (severity overrides), for another rule set or another rules directory. */
export function createChecker(options: CheckerOptions & { rules?: RuleSet | string } = {}): Checker {
  const { rules } = options;
  return createCoreChecker({ ...options, rules: typeof rules === 'string' ? loadRuleSet(rules) : rules });
}

export * from './entries/rules';
export * from './entries/ajv';
export * from './entries/guard';
