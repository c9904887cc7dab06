import * as path from 'node:path';
import type { RuleSet } from './model';

/**
 * A loaded rule set as generated/ruleset.ts holds it: each rule names its file relative to the package
 * instead of this machine's path, and the dialect keeps only the model's fields (not the file's `$schema` or
 * `description`). The generator writes it and the build compares it with a fresh load of rules/.
 */
export function portableRuleSet(rules: RuleSet): RuleSet {
  const { dialect, provenance, headers } = rules.s3;
  return {
    ...rules,
    rules: rules.rules.map((r) => ({ ...r, file: `rules/${path.basename(r.file)}` })),
    s3: { dialect, provenance, headers },
  };
}
