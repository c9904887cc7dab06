/**
 * `obs-sse-rules/rules` (Node): reads and validates a rules directory, for checkers of custom rules
 * (`createChecker({ rules: loadRuleSet(dir) })`). The shipped rules need none of this: the package root
 * carries them compiled.
 */
export { loadRuleSet, RuleLoadError, defaultRulesDir } from '../rules/load';
