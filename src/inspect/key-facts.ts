/**
 * What the checks that read a customer key concluded, kept where the key itself cannot be: a recorder (the
 * proxy's HAR) notes, per key header, the key's decoded length, whether its MD5 matched and the codes raised;
 * the linter, meeting the key as `[REDACTED]`, turns those conclusions back into the engine's own diagnostics.
 */
import type { Checker } from '../engine/checker';
import type { HarKeyCheck } from '../har/types';
import { REDACTED } from '../redact';
import type { HeaderId } from '../rules/model';
import type { Diagnostic } from '../types';
import { isCanonicalBase64, md5OfBase64 } from '../values/base64';
import { catalogueNames, type CatalogueNames, type KeyContentCheck } from './names';
import { markerTest } from './redacted';
import type { HeaderList } from './request';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A value a recorder put in place of a key (`[REDACTED]`, `***`…). */
const hidden = markerTest(undefined);

/** The first value of each catalogue header among `pairs`, by id, with its lower-case name. */
function byId(pairs: HeaderList, names: CatalogueNames): Map<HeaderId, { name: string; value: string }> {
  const out = new Map<HeaderId, { name: string; value: string }>();
  for (const [name, value] of pairs) {
    const { lower, id } = names.cache.get(name);
    if (id !== undefined && !out.has(id)) out.set(id, { name: lower, value: value.trim() });
  }
  return out;
}

function bytesOf(checker: Checker, id: HeaderId): number | undefined {
  const h = checker.rules.headers.find((x) => x.id === id);
  return h && checker.rules.valueKinds[h.valueKind].bytes;
}

/**
 * The key checks' conclusions for every customer key among `pairs` (the request as sent, unredacted), as the
 * engine reaches them: the key's value kind, then the MD5 comparison when both are well formed.
 */
export function keyChecksOf(pairs: HeaderList, checker: Checker): HarKeyCheck[] {
  const names = catalogueNames(checker);
  const found = byId(pairs, names);
  const out: HarKeyCheck[] = [];
  for (const k of names.keyContent) {
    const key = found.get(k.key);
    if (!key || hidden(key.value)) continue;
    const keyLength = bytesOf(checker, k.key) ?? 32;
    const md5Length = bytesOf(checker, k.md5) ?? 16;
    const check: HarKeyCheck = { header: key.name, codes: [] };
    if (BASE64.test(key.value)) check.keyBytes = Buffer.from(key.value, 'base64').length;
    const keyValid = isCanonicalBase64(key.value, keyLength);
    if (!keyValid) check.codes.push(k.keyCode);
    const md5 = found.get(k.md5);
    if (md5 && check.keyBytes !== undefined && isCanonicalBase64(md5.value, md5Length)) {
      check.md5Matches = md5OfBase64(key.value) === md5.value;
      if (keyValid && !check.md5Matches) check.codes.push(k.md5Code);
    }
    out.push(check);
  }
  return out;
}

/**
 * A value with the recorded facts and no other property of the key: zero bytes of the recorded length (a key
 * whose MD5 cannot be the one sent, when it did not match), or the placeholder when the key was not base64.
 */
function standInKey(check: HarKeyCheck, keyLength: number, k: KeyContentCheck): string {
  if (check.codes.includes(k.keyCode)) {
    return check.keyBytes !== undefined && check.keyBytes !== keyLength
      ? Buffer.alloc(check.keyBytes).toString('base64')
      : REDACTED;
  }
  return Buffer.alloc(keyLength).toString('base64');
}

/**
 * The engine's diagnostics for recorded key conclusions: for each redacted key among `pairs` with a recorded
 * check, `validate` runs on the key (a stand-in with the recorded facts) and the MD5 as sent, and only the
 * recorded codes on those two headers are kept.
 */
export function keyCheckDiagnostics(
  pairs: HeaderList,
  checks: readonly HarKeyCheck[],
  checker: Checker,
  validate: (pairs: HeaderList) => readonly Diagnostic[],
): Diagnostic[] {
  const names = catalogueNames(checker);
  const found = byId(pairs, names);
  const out: Diagnostic[] = [];
  for (const k of names.keyContent) {
    const key = found.get(k.key);
    if (!key || !hidden(key.value)) continue;
    const check = checks.find((c) => c.header === key.name);
    if (!check || check.codes.length === 0) continue;
    const md5 = found.get(k.md5);
    const synthetic: [string, string][] = [[key.name, standInKey(check, bytesOf(checker, k.key) ?? 32, k)]];
    if (md5) synthetic.push([md5.name, md5.value]);
    for (const d of validate(synthetic)) {
      const onKey = d.code === k.keyCode && d.header === key.name;
      const onMd5 = d.code === k.md5Code && d.header === md5?.name;
      if ((onKey || onMd5) && check.codes.includes(d.code)) out.push(d);
    }
  }
  return out;
}
