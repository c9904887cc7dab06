/**
 * Translation between the two dialects, read from rules/dialect-s3.json only, so the tests check the engine
 * against the mapping data rather than against a second copy of it.
 */
import type { Diagnostic } from '../../src';
import type { HeaderDef, HeaderId } from '../../src/rules/model';
import type { Dialect } from '../../src/types';
import { rules } from '../support/arbitraries';

export const s3Map = rules.s3.headers;

/** Catalogue headers that have an x-amz- spelling, and those that do not. */
export const mapped: HeaderDef[] = rules.headers.filter((h) => s3Map[h.id]);
export const obsOnly: HeaderDef[] = rules.headers.filter((h) => !s3Map[h.id]);

/** Lower-case name of a header in a dialect; undefined for an OBS-only header in the S3 dialect. */
export function nameIn(id: HeaderId, dialect: Dialect): string | undefined {
  const h = rules.headers.find((x) => x.id === id)!;
  const name = dialect === 'obs' ? h.name : s3Map[id]?.name;
  return name?.toLowerCase();
}

const idByName = new Map<string, HeaderId>();
for (const h of rules.headers) {
  idByName.set(h.name.toLowerCase(), h.id);
  const s3 = s3Map[h.id];
  if (s3) idByName.set(s3.name.toLowerCase(), h.id);
}

/** The catalogue id of a header name in either dialect. */
export function idOf(name: string): HeaderId | undefined {
  return idByName.get(name.toLowerCase());
}

/** A value spelled in the S3 dialect; undefined when the S3 dialect has no spelling for it. */
export function s3Value(id: HeaderId, value: string): string | undefined {
  const h = rules.headers.find((x) => x.id === id)!;
  if (h.valueKind !== 'enumeration') return value;
  return s3Map[id]?.values?.[value];
}

/**
 * An OBS-dialect header set in the S3 dialect, or undefined when some header or value has no S3 spelling
 * (OBS-only headers, `obs` on buckets).
 */
export function toS3(headers: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const id = idOf(name);
    const s3 = id && nameIn(id, 's3');
    const v = id && s3Value(id, value);
    if (!s3 || v === undefined) return undefined;
    out[s3] = v;
  }
  return out;
}

const obsValue = new Map<string, string>();
for (const def of Object.values(s3Map))
  for (const [o, s] of Object.entries(def.values ?? {})) obsValue.set(s, o);

/** A diagnostic with header names and values in dialect-neutral form, for comparing two dialects' verdicts. */
export function neutral(d: Diagnostic): {
  code: string;
  severity: string;
  header?: string;
  expected?: string[];
} {
  const word = (w: string) => idOf(w) ?? obsValue.get(w) ?? w;
  const out: { code: string; severity: string; header?: string; expected?: string[] } = {
    code: d.code,
    severity: d.severity,
  };
  if (d.header !== undefined) out.header = word(d.header);
  if (d.expected) out.expected = d.expected.map(word);
  return out;
}
