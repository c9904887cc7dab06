/**
 * Expands the structural cross-header rules of one operation and direction into the header combinations
 * they allow, as JSON Schema variants (which json-schema-to-typescript turns into discriminated unions).
 *
 * This reads the rule data on its own, over abstract header states (absent, or one enumerated value, or
 * "present"), independently of the engine's compiled checks; the differential tests rely on that
 * independence.
 */
import type { HeaderCondition } from '../../src/checks/types';
import type { HeaderDef, HeaderId, OperationTable, RuleDef } from '../../src/rules/model';

const ABSENT = '\u0000absent';
const PRESENT = '\u0000present';
type State = string;
type Assignment = Map<HeaderId, State>;

/** The structural meaning of each check kind; kinds that say nothing about header presence return undefined. */
function constraint(rule: RuleDef): ((a: Assignment) => boolean) | 'none' {
  const o = rule.options as Record<string, unknown>;
  const has = (a: Assignment, h: HeaderId) => (a.get(h) ?? ABSENT) !== ABSENT;
  const meets = (a: Assignment, c: HeaderCondition) =>
    has(a, c.header) && (!c.values || c.values.includes(a.get(c.header)!));
  switch (rule.kind) {
    case 'all-or-none': {
      const hs = o.headers as HeaderId[];
      return (a) => {
        const n = hs.filter((h) => has(a, h)).length;
        return n === 0 || n === hs.length;
      };
    }
    case 'mutually-exclusive': {
      const [x, y] = [o.a as HeaderId[], o.b as HeaderId[]];
      return (a) => !(x.some((h) => has(a, h)) && y.some((h) => has(a, h)));
    }
    case 'requires': {
      const [c1, c2] = [o.if as HeaderCondition, o.then as HeaderCondition];
      return (a) => !meets(a, c1) || meets(a, c2);
    }
    case 'forbidden': {
      const hs = o.headers as HeaderId[];
      return (a) => hs.every((h) => !has(a, h));
    }
    case 'md5-of': // a value relation, carried by the md5Matches keyword
    case 'transport': // about the scheme, not the headers
    case 'matches': // a warning about a value's form, not about which headers travel together
    case 'key-in-url': // about the URL, not the headers
      return 'none';
    default:
      throw new Error(
        `codegen: check kind "${rule.kind}" (rule ${rule.id}) has no structural meaning defined here`,
      );
  }
}

function headersOf(rule: RuleDef): HeaderId[] {
  const o = rule.options as Record<string, unknown>;
  const out = new Set<HeaderId>();
  for (const key of ['headers', 'a', 'b'])
    for (const h of (o[key] as HeaderId[] | undefined) ?? []) out.add(h);
  for (const key of ['if', 'then']) {
    const c = o[key] as HeaderCondition | undefined;
    if (c) out.add(c.header);
  }
  return [...out];
}

/** A variant: for each header of a component, the set of states it may take. */
export type Variant = Map<HeaderId, Set<State>>;

export interface Component {
  headers: HeaderId[];
  variants: Variant[];
}

/**
 * Groups the table's headers into components linked by rules, enumerates each component's assignments,
 * keeps those every rule allows, and merges variants that differ in one header only (an exact merge).
 */
export function expandVariants(
  headers: readonly HeaderDef[],
  table: OperationTable,
  rules: RuleDef[],
): Component[] {
  const allowed = headers.filter((h) => table[h.id]).map((h) => h.id);
  const parent = new Map<HeaderId, HeaderId>(allowed.map((h) => [h, h]));
  const find = (h: HeaderId): HeaderId => (parent.get(h) === h ? h : find(parent.get(h)!));
  const structural: { headers: HeaderId[]; test: (a: Assignment) => boolean }[] = [];
  for (const rule of rules) {
    const test = constraint(rule);
    if (test === 'none') continue;
    const hs = headersOf(rule).filter((h) => parent.has(h));
    structural.push({ headers: hs, test });
    for (const h of hs.slice(1)) parent.set(find(h), find(hs[0]!));
  }
  const groups = new Map<HeaderId, HeaderId[]>();
  for (const h of allowed) {
    const root = find(h);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root)!.push(h);
  }
  const components: Component[] = [];
  for (const members of groups.values()) {
    const linked = structural.filter((r) => r.headers.some((h) => members.includes(h)));
    if (linked.length === 0) continue;
    const states = members.map((h) => {
      const values = table[h]!.values;
      return [ABSENT, ...(values ?? [PRESENT])];
    });
    const found: Variant[] = [];
    const assign = (i: number, a: Assignment): void => {
      if (i === members.length) {
        if (linked.every((r) => r.test(a))) found.push(new Map([...a].map(([h, s]) => [h, new Set([s])])));
        return;
      }
      for (const s of states[i]!) {
        a.set(members[i]!, s);
        assign(i + 1, a);
      }
      a.delete(members[i]!);
    };
    assign(0, new Map());
    components.push({ headers: members, variants: merge(found, members) });
  }
  return components;
}

function merge(variants: Variant[], members: HeaderId[]): Variant[] {
  const key = (v: Variant, skip: HeaderId) =>
    members.map((h) => (h === skip ? '*' : [...v.get(h)!].sort().join('|'))).join(';');
  let changed = true;
  let list = variants;
  while (changed) {
    changed = false;
    outer: for (const h of members) {
      const seen = new Map<string, Variant>();
      for (const v of list) {
        const k = key(v, h);
        const twin = seen.get(k);
        if (twin) {
          for (const s of v.get(h)!) twin.get(h)!.add(s);
          list = list.filter((x) => x !== v);
          changed = true;
          break outer;
        }
        seen.set(k, v);
      }
    }
  }
  return list;
}

export const isAbsent = (s: State): boolean => s === ABSENT;
export const isAnyValue = (s: State): boolean => s === PRESENT;
