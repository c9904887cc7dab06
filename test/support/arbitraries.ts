/**
 * fast-check arbitraries driven by the rule data: valid header sets per operation and direction, built from
 * the combinations the rules allow (scripts/lib/variants.ts) and the value kinds of the catalogue.
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { expandVariants, isAbsent, isAnyValue } from '../../scripts/lib/variants';
import { loadRuleSet } from '../../src';
import type { HeaderDef, HeaderId, RuleSet } from '../../src/rules/model';
import type { Direction, Operation } from '../../src/types';

export const rules: RuleSet = loadRuleSet();
export const byId = new Map(rules.headers.map((h) => [h.id, h]));
export const lc = (id: HeaderId) => byId.get(id)!.name.toLowerCase();

const md5 = (b64: string) => crypto.createHash('md5').update(Buffer.from(b64, 'base64')).digest('base64');
const hex = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const uuid = fc.uuid();

function valueArb(h: HeaderDef): fc.Arbitrary<string> {
  switch (h.valueKind) {
    case 'base64-key-256':
      return fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
    case 'base64-md5':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));
    case 'kms-key-id':
      return fc.oneof(
        uuid,
        fc
          .tuple(fc.constantFrom('cn-north-4', 'ap-southeast-1'), hex(16), uuid)
          .map(([r, d, k]) => `${r}:${d}:key/${k}`),
      );
    case 'project-id':
      return hex(16);
    case 'enumeration':
      throw new Error('enumerations take their values from the cell');
  }
}

/** Pairs of (md5 header, key header) from the md5-of rules. */
const md5Pairs = rules.rules
  .filter((r) => r.kind === 'md5-of')
  .map((r) => r.options as { key: HeaderId; md5: HeaderId });

function applicable(op: Operation, dir: Direction) {
  return rules.rules.filter(
    (r) => r.directions.includes(dir) && (!r.operations || r.operations.includes(op)),
  );
}

/** Valid SSE header sets (lower-case OBS names) for one operation and direction. */
export function validHeaders(op: Operation, dir: Direction): fc.Arbitrary<Record<string, string>> {
  const def = rules.operations.find((o) => o.id === op)!;
  const table = def[dir];
  const components = expandVariants(rules.headers, table, applicable(op, dir));
  const linked = new Set(components.flatMap((c) => c.headers));
  const free = rules.headers.filter((h) => table[h.id] && !linked.has(h.id));
  const stateArbs = components.map((c) =>
    fc
      .constantFrom(...c.variants)
      .chain((v) =>
        fc.tuple(
          ...[...v].map(([id, states]) => fc.constantFrom(...[...states]).map((s) => [id, s] as const)),
        ),
      ),
  );
  const freeArb = fc.tuple(
    ...free.map((h) =>
      fc.option(h.valueKind === 'enumeration' ? fc.constantFrom(...table[h.id]!.values!) : valueArb(h), {
        nil: undefined,
      }),
    ),
  );
  const anyValue = Object.fromEntries(
    rules.headers.filter((h) => h.valueKind !== 'enumeration').map((h) => [h.id, valueArb(h)]),
  );
  return fc
    .tuple(fc.tuple(...stateArbs), freeArb, fc.record(anyValue))
    .map(([componentStates, freeValues, values]) => {
      const out: Record<string, string> = {};
      for (const states of componentStates) {
        for (const [id, state] of states) {
          if (isAbsent(state)) continue;
          out[lc(id)] = isAnyValue(state) ? values[id]! : state;
        }
      }
      free.forEach((h, i) => {
        if (freeValues[i] !== undefined) out[lc(h.id)] = freeValues[i]!;
      });
      for (const p of md5Pairs)
        if (out[lc(p.key)] !== undefined && out[lc(p.md5)] !== undefined)
          out[lc(p.md5)] = md5(out[lc(p.key)]!);
      return out;
    });
}

/** Every (operation, direction). */
export const pairs: [Operation, Direction][] = rules.operations.flatMap((o) => [
  [o.id, 'request'] as [Operation, Direction],
  [o.id, 'response'] as [Operation, Direction],
]);

/** A value the header's kind refuses, for mutation tests. */
export function invalidValue(h: HeaderDef, current: string): string {
  switch (h.valueKind) {
    case 'enumeration':
      return `${current}x`;
    case 'base64-key-256':
    case 'base64-md5':
      return Buffer.from(current, 'base64').subarray(1).toString('base64');
    case 'kms-key-id':
      return `bad key ${current}`;
    case 'project-id':
      return `${current}zz`;
  }
}

/** Header names that are not SSE headers, for invariance tests. */
export const unrelatedName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'content-length',
    'authorization',
    'x-obs-acl',
    'x-obs-storage-class',
    'x-obs-date',
    'host',
    'user-agent',
  ),
  fc.stringMatching(/^x-obs-meta-[a-z0-9-]{1,20}$/),
  fc.stringMatching(/^[a-wyz][a-z0-9-]{0,30}$/),
);

/** Random mixtures of catalogue headers with valid and invalid values, for the differential test. */
export const mixedHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...rules.headers),
      fc.constantFrom('kms', 'obs', 'AES256', 'SM4', 'aws:kms', 'KMS', ''),
      fc.uint8Array({ minLength: 15, maxLength: 33 }),
      fc.boolean(),
    ),
    { maxLength: 6 },
  )
  .map((entries) => {
    const out: Record<string, string> = {};
    for (const [h, enumValue, bytes, useKind] of entries) {
      const b64 = Buffer.from(bytes.length === 31 ? bytes.subarray(0, 16) : bytes).toString('base64');
      out[h.name.toLowerCase()] =
        h.valueKind === 'enumeration' || !useKind
          ? enumValue
          : h.valueKind === 'kms-key-id'
            ? 'key-1'
            : h.valueKind === 'project-id'
              ? 'ab'.repeat(16)
              : b64;
    }
    return out;
  });
