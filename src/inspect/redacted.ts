/**
 * Recordings that hide customer keys. A key header (or its MD5) holding a redaction marker
 * (`[REDACTED]`, `***`, `[FILTERED]`…, src/redact.ts) was sent, with content that cannot be read:
 * presence checks (all-or-none, forbidden, not-allowed) still apply, checks of the content do not.
 * No code is raised for the hiding itself: hiding keys is what a recorder should do.
 */
import type { Diagnostic } from '../types';
import type { HeaderId } from '../rules/model';
import { redactionMarkerTest } from '../redact';
import type { Checker } from '../engine/checker';
import { catalogueNames, type CatalogueNames } from './names';

/** Header pairs as recorded or received. */
type HeaderList = ReadonlyArray<readonly [string, string]>;

const defaultTest = redactionMarkerTest();
const tests = new WeakMap<readonly string[], (value: string) => boolean>();

/** The marker test for a configured list (compiled once per list). */
export function markerTest(extra: readonly string[] | undefined): (value: string) => boolean {
  if (!extra || extra.length === 0) return defaultTest;
  let t = tests.get(extra);
  if (!t) {
    t = redactionMarkerTest(extra);
    tests.set(extra, t);
  }
  return t;
}

/** The key and key-MD5 headers whose value is a redaction marker; undefined when none is. */
export function redactedKeyHeaders(
  pairs: HeaderList,
  names: CatalogueNames,
  isMarker: (value: string) => boolean,
): HeaderId[] | undefined {
  let out: HeaderId[] | undefined;
  for (const [name, value] of pairs) {
    // Only x-obs-/x-amz- names can be SSE headers; most recorded headers stop at this test.
    const c = name.charCodeAt(0);
    if ((c !== 120 && c !== 88) || name.charCodeAt(5) !== 45) continue;
    if (!isMarker(value)) continue;
    const id = names.cache.get(name).id;
    if (id !== undefined && names.keyContent.some((k) => k.key === id || k.md5 === id)) (out ??= []).push(id);
  }
  return out;
}

/** The diagnostics without those about the content of the hidden headers. */
export function withoutRedactedKeyContent(
  diagnostics: readonly Diagnostic[],
  redacted: readonly HeaderId[],
  names: CatalogueNames,
): Diagnostic[] {
  return diagnostics.filter((d) => {
    const id = d.header === undefined ? undefined : names.cache.get(d.header).id;
    if (id === undefined) return true;
    for (const k of names.keyContent) {
      if (redacted.includes(k.key)) {
        if ((d.code === k.keyCode && id === k.key) || (d.code === k.md5Code && id === k.md5)) return false;
      }
      if (redacted.includes(k.md5) && id === k.md5 && (d.code === k.md5Code || d.code === k.md5ValueCode)) {
        return false;
      }
    }
    return true;
  });
}

/**
 * The diagnostics of one request's headers, less those about the content of hidden keys: what
 * `obs-sse check` and {@link inspectRequest} report for a recording with redaction markers.
 */
export function withoutHiddenKeyContent(
  diagnostics: readonly Diagnostic[],
  pairs: HeaderList,
  checker: Checker,
  markers: readonly string[] | undefined,
): readonly Diagnostic[] {
  if (diagnostics.length === 0) return diagnostics;
  const names = catalogueNames(checker);
  const redacted = redactedKeyHeaders(pairs, names, markerTest(markers));
  return redacted ? withoutRedactedKeyContent(diagnostics, redacted, names) : diagnostics;
}
