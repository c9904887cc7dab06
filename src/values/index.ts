import type { ValueKind, ValueKindDef } from '../rules/model';
import { canonicalBase64Pattern, describeBase64, isCanonicalBase64 } from './base64';

/** A compiled value kind: a fast boolean test, and an explainer that never repeats the value itself. */
export interface ValueTest {
  /** A regular-expression source equivalent to `test`, for the generated JSON Schemas. */
  pattern?: string;
  test(value: string): boolean;
  /** Why the value fails, safe to print even for secret headers. */
  reason(value: string): string;
  /** The diagnostic code a failure reports. */
  code: string;
}

function base64Kind(bytes: number, code: string): ValueTest {
  return {
    pattern: canonicalBase64Pattern(bytes),
    code,
    test: (v) => isCanonicalBase64(v, bytes),
    reason: (v) => describeBase64(v, bytes),
  };
}

function patternKind(def: ValueKindDef, code: string): ValueTest {
  const pattern = def.pattern ?? '^.+$';
  const maxLength = def.maxLength ?? 512;
  // No 'u' flag: the patterns are ASCII, and irregexp is markedly faster without it.
  const re = new RegExp(pattern);
  // A service uses a handful of KMS key ids and project ids, over and over: remember verdicts (bounded,
  // and never for secret kinds, which are not pattern kinds).
  const known = new Map<string, boolean>();
  return {
    pattern,
    code,
    test(v) {
      const hit = known.get(v);
      if (hit !== undefined) return hit;
      const ok = v.length <= maxLength && re.test(v);
      if (v.length <= maxLength) {
        if (known.size >= 1024) known.clear();
        known.set(v, ok);
      }
      return ok;
    },
    reason: () => `expected ${def.description.replace(/^An? /, 'a ').replace(/\.$/, '')}`,
  };
}

/**
 * The closed registry of value kinds. An enumeration is checked against its cell's values by the table
 * check, so it has no test of its own here.
 */
export function compileValueKind(kind: ValueKind, def: ValueKindDef): ValueTest | undefined {
  switch (kind) {
    case 'enumeration':
      return undefined;
    case 'base64-key-256':
      return base64Kind(def.bytes ?? 32, 'sse-c/invalid-key');
    case 'base64-md5':
      return base64Kind(def.bytes ?? 16, 'sse-c/invalid-md5');
    case 'kms-key-id':
      return patternKind(def, 'sse-kms/invalid-key-id');
    case 'project-id':
      return patternKind(def, 'sse-kms/invalid-project-id');
  }
}
