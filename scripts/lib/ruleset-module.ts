/**
 * generated/ruleset.ts: the rule set as a module, so the shipped checker compiles without reading or
 * validating files at run time (and bundles into a browser). Resolved tables repeat their provenance in
 * every cell; each provenance object or list that occurs more than once is written once, as a typed constant,
 * which keeps the module (and every bundle of the core) a third smaller and lets the engine share reporters.
 */
import type { RuleSet } from '../../src/rules/model';
import { portableRuleSet } from '../../src/rules/portable';

// Marks a reference inside JSON.stringify's output (rule data never contains it), unquoted afterwards.
const TOKEN = '\u00a7\u00a7';

export function renderRuleSet(rules: RuleSet, banner: string): string {
  const data = portableRuleSet(rules);
  if (JSON.stringify(data).includes(TOKEN))
    throw new Error(`rule data contains ${TOKEN}, the generator's marker`);
  const counts = new Map<string, number>();
  const count = (v: unknown) => {
    const j = JSON.stringify(v);
    counts.set(j, (counts.get(j) ?? 0) + 1);
  };
  JSON.stringify(data, (key, value: unknown) => {
    if (key === 'provenance' && Array.isArray(value)) {
      count(value);
      value.forEach(count);
    }
    return value;
  });
  const names = new Map<string, string>();
  const constants: string[] = [];
  // A repeated value becomes a constant, named in order of first use; a single one stays inline.
  const shared = (value: unknown, text: string, type: string): string => {
    const j = JSON.stringify(value);
    if ((counts.get(j) ?? 0) < 2) return text;
    let name = names.get(j);
    if (name === undefined) {
      names.set(j, (name = `p${names.size}`));
      constants.push(`const ${name}: ${type} = ${text};`);
    }
    return `${TOKEN}${name}${TOKEN}`;
  };
  const body = JSON.stringify(
    data,
    (key, value: unknown) => {
      if (key !== 'provenance' || !Array.isArray(value)) return value;
      const items = value.map((p) => shared(p, JSON.stringify(p), 'Provenance'));
      const text = `[${items.map((t) => (t.startsWith(TOKEN) ? t.slice(TOKEN.length, -TOKEN.length) : t)).join(', ')}]`;
      const ref = shared(value, text, 'Provenance[]');
      // A list used once is written in place, with its shared items by name.
      return ref.startsWith(TOKEN) ? ref : `${TOKEN}${text}${TOKEN}`;
    },
    1,
  ).replace(
    new RegExp(`"${TOKEN}(.*?)${TOKEN}"`, 'g'),
    (_, inner: string) => JSON.parse(`"${inner}"`) as string,
  );
  return [
    `/* ${banner} */`,
    "import type { Provenance } from '../src/types';",
    "import type { RuleSet } from '../src/rules/model';\n",
    ...constants,
    '',
    '/** rules/ as loadRuleSet validates and resolves it: what getChecker() and validateHeaders() compile. */',
    `export const RULE_SET: RuleSet = ${body};\n`,
  ].join('\n');
}
