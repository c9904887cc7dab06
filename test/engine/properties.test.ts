/** Property tests: generators built from the rule data; single mutations; invariances; no throws. */
import fc from 'fast-check';
import { validateHeaders } from '../../src';
import type { Direction, Operation } from '../../src/types';
import { byId, invalidValue, lc, pairs, rules, unrelatedName, validHeaders } from '../support/arbitraries';

const runs = { numRuns: 150 };
const check = (op: Operation, dir: Direction, headers: unknown, scheme: 'https' | undefined = 'https') =>
  validateHeaders({ operation: op, direction: dir, headers: headers as Record<string, string>, scheme });

describe.each(pairs)('%s %s', (op, dir) => {
  const valid = validHeaders(op, dir);
  const table = rules.operations.find((o) => o.id === op)![dir];

  test('valid header sets built from the rules pass', () => {
    fc.assert(
      fc.property(valid, (headers) => {
        const r = check(op, dir, headers);
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(r.valid).toBe(true);
      }),
      runs,
    );
  });

  // CompleteMultipartUpload requests take no SSE header: nothing to alter there.
  if (Object.keys(table).length > 0)
    test('altering one value fails with a diagnostic naming that header', () => {
      fc.assert(
        fc.property(valid, fc.nat(), (headers, pick) => {
          const names = Object.keys(headers);
          fc.pre(names.length > 0);
          const name = names[pick % names.length]!;
          const h = rules.headers.find((x) => x.name.toLowerCase() === name)!;
          const r = check(op, dir, { ...headers, [name]: invalidValue(h, headers[name]!) });
          expect(r.valid).toBe(false);
          expect(r.diagnostics.some((d) => d.severity === 'error' && d.header === name)).toBe(true);
        }),
        runs,
      );
    });

  const groups = rules.rules
    .filter(
      (r) =>
        r.kind === 'all-or-none' &&
        r.directions.includes(dir) &&
        (!r.operations || r.operations.includes(op)),
    )
    .map((r) => (r.options as { headers: string[] }).headers.map((id) => lc(id as never)))
    .filter((g) => g.every((n) => table[rules.headers.find((h) => h.name.toLowerCase() === n)!.id]));
  if (groups.length) {
    test('dropping one header of a group that travels together fails, naming it', () => {
      fc.assert(
        fc.property(valid, fc.nat(), (headers, pick) => {
          const full = groups.filter((g) => g.every((n) => n in headers));
          fc.pre(full.length > 0);
          const g = full[pick % full.length]!;
          const dropped = g[pick % g.length]!;
          const rest = { ...headers };
          delete rest[dropped];
          const r = check(op, dir, rest);
          expect(r.valid).toBe(false);
          expect(r.diagnostics).toContainEqual(
            expect.objectContaining({ code: 'sse-c/incomplete', header: dropped }),
          );
        }),
        runs,
      );
    });
  }

  const md5Rules = rules.rules.filter(
    (r) => r.kind === 'md5-of' && r.directions.includes(dir) && table[(r.options as { key: 'cKey' }).key],
  );
  if (md5Rules.length) {
    test('corrupting an MD5 fails with md5-mismatch on it', () => {
      fc.assert(
        fc.property(valid, fc.uint8Array({ minLength: 16, maxLength: 16 }), (headers, other) => {
          const present = md5Rules
            .map((r) => lc((r.options as { md5: 'cMd5' }).md5))
            .filter((n) => n in headers);
          fc.pre(present.length > 0);
          const name = present[0]!;
          const wrong = Buffer.from(other).toString('base64');
          fc.pre(wrong !== headers[name]);
          const r = check(op, dir, { ...headers, [name]: wrong });
          expect(r.diagnostics).toContainEqual(
            expect.objectContaining({ code: 'sse-c/md5-mismatch', header: name }),
          );
        }),
        runs,
      );
    });
  }

  const notTaken = rules.headers.filter((h) => !table[h.id]);
  if (notTaken.length) {
    test('adding a header the operation does not take fails, naming it', () => {
      fc.assert(
        fc.property(valid, fc.constantFrom(...notTaken), (headers, h) => {
          const name = h.name.toLowerCase();
          const value =
            h.valueKind === 'enumeration'
              ? 'AES256'
              : h.valueKind === 'base64-key-256'
                ? Buffer.alloc(32, 1).toString('base64')
                : 'x';
          const r = check(op, dir, { ...headers, [name]: value });
          expect(r.valid).toBe(false);
          expect(r.diagnostics).toContainEqual(
            expect.objectContaining({
              code: h.secret && dir === 'response' ? 'sse-c/key-in-response' : 'header/not-allowed',
              header: name,
            }),
          );
        }),
        runs,
      );
    });
  }

  test('the verdict does not change with name case, order, or unrelated headers', () => {
    const anyHeaders = fc.oneof(
      valid,
      valid.map((h) => ({ ...h, [Object.keys(h)[0] ?? lc('sse')]: 'bogus' })),
    );
    fc.assert(
      fc.property(
        anyHeaders,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        fc.array(fc.tuple(unrelatedName, fc.string()), { maxLength: 5 }),
        fc.nat(),
        (headers, caseBits, extra, seed) => {
          const base = check(op, dir, headers);
          const recased = Object.entries(headers).map(
            ([n, v]) =>
              [
                n
                  .split('')
                  .map((ch, i) => (caseBits[i % 64] ? ch.toUpperCase() : ch))
                  .join(''),
                v,
              ] as [string, string],
          );
          const shuffled = [...recased, ...extra].sort(
            (a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7),
          );
          const other = check(op, dir, shuffled);
          expect(other.valid).toBe(base.valid);
          expect(other.diagnostics.map((d) => `${d.code} ${d.header}`).sort()).toEqual(
            base.diagnostics.map((d) => `${d.code} ${d.header}`).sort(),
          );
        },
      ),
      runs,
    );
  });
});

test('the engine never throws on arbitrary maps', () => {
  const names = fc.oneof(
    fc.string(),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
    fc.constantFrom(...rules.headers.map((h) => h.name)),
    fc.constantFrom(
      'x-obs-server-side-encryption-foo',
      'x-amz-server-side-encryption',
      'x-amz-server-side-encryption-context',
    ),
  );
  const values = fc.oneof(
    fc.anything(),
    fc.string(),
    fc.array(fc.anything()),
    fc.constant(undefined),
    fc.integer(),
    fc.double(),
  );
  const maps = fc.oneof(
    fc.dictionary(names, values),
    fc.array(fc.tuple(names, values)).map((p) => p as unknown),
    fc.array(fc.anything()).map((p) => p as unknown),
    fc.array(fc.tuple(names, values)).map((p) => new Map(p) as unknown),
  );
  fc.assert(
    fc.property(
      maps,
      fc.constantFrom(...pairs),
      fc.constantFrom('http' as const, 'https' as const, undefined),
      (headers, [op, dir], scheme) => {
        const r = validateHeaders({
          operation: op,
          direction: dir,
          headers: headers as Record<string, string>,
          scheme,
        });
        expect(r.valid).toBe(!r.diagnostics.some((d) => d.severity === 'error'));
        for (const d of r.diagnostics) expect(typeof d.message).toBe('string');
      },
    ),
    { numRuns: 1000 },
  );
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  void byId;
});
