/**
 * The few header names the exchange-level checks look up, read from the rule catalogue (both dialects)
 * rather than spelled again here.
 */
import type { Checker } from '../engine/checker';
import type { NameCache } from '../engine/name-cache';
import type { HeaderId } from '../rules/model';
import type { Dialect } from '../types';
import { compileValueKind } from '../values';

/** An SSE method as the response echo check compares it. */
export type SseMethod = 'SSE-KMS' | 'SSE-OBS' | 'SSE-C';

/** Lower-case names and value meanings, per dialect, compiled once per rule set. */
export interface CatalogueNames {
  /** Lower-case name of a header in a dialect (falls back to the OBS name), as diagnostics name headers. */
  spelled(id: HeaderId, dialect: Dialect): string;
  /** Which method an `x-…-server-side-encryption` value names, in either dialect; undefined when invalid. */
  methodOf(value: string): SseMethod | undefined;
  /**
   * The checks that read a customer key's content: the key's value-kind code on the key header, and the
   * MD5 comparison's code on the header holding its MD5. A redacted recording cannot answer them.
   */
  keyContent: readonly KeyContentCheck[];
  /**
   * The checker's name cache (`checker.names`): a name as sent to its lower-case form, catalogue id
   * and role in one lookup, where lower-casing each name and hashing the copy showed in proxy profiles.
   */
  cache: NameCache;
}

/** One customer key header and the codes that depend on its value. */
export interface KeyContentCheck {
  key: HeaderId;
  keyCode: string;
  md5: HeaderId;
  md5Code: string;
  /** The MD5 header's own value-kind code (a well-formed MD5), when it has one. */
  md5ValueCode?: string;
}

const cache = new WeakMap<Checker, CatalogueNames>();
let last: { checker: Checker; names: CatalogueNames } | undefined;

/** The catalogue names of a checker's rule set. */
export function catalogueNames(checker: Checker): CatalogueNames {
  if (last?.checker === checker) return last.names;
  let names = cache.get(checker);
  if (names) {
    last = { checker, names };
    return names;
  }
  const { headers, s3, rules, valueKinds } = checker.rules;
  const obs = new Map<HeaderId, string>();
  const amz = new Map<HeaderId, string>();
  for (const h of headers) {
    obs.set(h.id, h.name);
    const alt = s3.headers[h.id]?.name;
    if (alt) amz.set(h.id, alt);
  }
  // Values of the method header by meaning; fact 11: SSE-OBS is `obs` on buckets and `AES256` on objects.
  const methods = new Map<string, SseMethod>([
    ['kms', 'SSE-KMS'],
    ['AES256', 'SSE-OBS'],
    ['obs', 'SSE-OBS'],
  ]);
  for (const [canon, spelled] of Object.entries(s3.headers.sse?.values ?? {})) {
    const m = methods.get(canon);
    if (m) methods.set(spelled, m);
  }
  const keyContent: KeyContentCheck[] = [];
  for (const r of rules) {
    if (r.kind !== 'md5-of') continue;
    const o = r.options as { key: HeaderId; md5: HeaderId };
    const key = headers.find((h) => h.id === o.key);
    const keyCode = key && compileValueKind(key.valueKind, valueKinds[key.valueKind])?.code;
    const md5 = headers.find((h) => h.id === o.md5);
    const md5ValueCode = md5 && compileValueKind(md5.valueKind, valueKinds[md5.valueKind])?.code;
    if (keyCode) {
      const check: KeyContentCheck = { key: o.key, keyCode, md5: o.md5, md5Code: r.code };
      if (md5ValueCode) check.md5ValueCode = md5ValueCode;
      keyContent.push(check);
    }
  }
  names = {
    spelled: (id, dialect) =>
      ((dialect === 's3' ? amz.get(id) : undefined) ?? obs.get(id) ?? id).toLowerCase(),
    methodOf: (value) => methods.get(value.trim()),
    keyContent,
    cache: checker.names,
  };
  cache.set(checker, names);
  last = { checker, names };
  return names;
}
