/**
 * Property tests of the dialect handling, over the valid header sets the rule data allows
 * (test/support/arbitraries.ts): the S3 spelling of a valid set gets the same verdict as the set itself,
 * and one header of the other dialect turns any non-empty set into a dialect error.
 */
import fc from 'fast-check';
import { validateHeaders } from '../../src';
import type { Dialect, Direction, Operation, Scheme } from '../../src/types';
import { pairs, rules, validHeaders } from '../support/arbitraries';
import { mapped, nameIn, neutral, toS3 } from './translate';

type Headers = Record<string, string>;
const scheme = fc.constantFrom<Scheme | undefined>(undefined, 'http', 'https');

/** Valid sets in the S3 dialect: the translatable valid OBS sets, translated. */
const validS3 = (op: Operation, dir: Direction): fc.Arbitrary<Headers> =>
  validHeaders(op, dir)
    .map(toS3)
    .filter((h): h is Headers => h !== undefined);

describe.each(pairs)('%s %s', (op, dir) => {
  test('the S3 spelling of a valid set stays valid, with an identical verdict', () => {
    let translated = 0;
    fc.assert(
      fc.property(validHeaders(op, dir), scheme, (obs, sch) => {
        const s3 = toS3(obs);
        if (s3 === undefined) return; // an OBS-only header, or `obs` on a bucket: no S3 spelling
        translated++;
        const a = validateHeaders({ operation: op, direction: dir, headers: obs, scheme: sch });
        const b = validateHeaders({ operation: op, direction: dir, headers: s3, scheme: sch });
        if (sch !== 'http') expect(a.valid).toBe(true);
        expect(b.valid).toBe(a.valid);
        expect(b.diagnostics.map(neutral)).toEqual(a.diagnostics.map(neutral));
        expect(b.dialect).toBe(Object.keys(s3).length ? 's3' : 'obs');
      }),
      { numRuns: 60 },
    );
    expect(translated).toBeGreaterThan(0);
  });
});

// Operations and directions whose table takes at least one header: only they have non-empty valid sets.
const withHeaders = pairs.filter(
  ([op, dir]) => Object.keys(rules.operations.find((o) => o.id === op)![dir]).length,
);

describe.each(withHeaders)('%s %s', (op, dir) => {
  test('one header of the other dialect makes a non-empty set a dialect error', () => {
    const nonEmpty = (h: Headers) => Object.keys(h).length > 0;
    const set = fc.oneof(
      validHeaders(op, dir)
        .filter(nonEmpty)
        .map((headers) => ({ headers, dialect: 'obs' as Dialect })),
      validS3(op, dir)
        .filter(nonEmpty)
        .map((headers) => ({ headers, dialect: 's3' as Dialect })),
    );
    // Any catalogue header spelled in the other dialect, with any value: its value does not matter.
    const intruder = (d: Dialect) =>
      fc.tuple(
        fc.constantFrom(...(d === 'obs' ? mapped : rules.headers)),
        fc.constantFrom('kms', 'aws:kms', 'AES256', 'x'),
      );
    fc.assert(
      fc.property(
        set.chain((s) => fc.tuple(fc.constant(s), intruder(s.dialect), fc.boolean())),
        ([{ headers, dialect }, [h, value], forced]) => {
          const name = nameIn(h.id, dialect === 'obs' ? 's3' : 'obs')!;
          const r = validateHeaders({
            operation: op,
            direction: dir,
            headers: { ...headers, [name]: value },
            dialect: forced ? dialect : 'auto',
          });
          expect(r.valid).toBe(false);
          const codes = r.diagnostics.filter((d) => d.code.startsWith('dialect/'));
          if (forced) {
            expect(r.dialect).toBe(dialect);
            expect(codes).toEqual([expect.objectContaining({ code: 'dialect/mismatch', header: name })]);
            return;
          }
          // The majority decides (OBS on a tie), and every header of the minority is reported.
          const n = Object.keys(headers).length;
          const winner: Dialect = dialect === 's3' && n > 1 ? 's3' : 'obs';
          expect(r.dialect).toBe(winner);
          const losers = winner === dialect ? [name] : Object.keys(headers);
          expect(codes.map((d) => d.code)).toEqual(losers.map(() => 'dialect/mixed'));
          expect(codes.map((d) => d.header).sort()).toEqual([...losers].sort());
        },
      ),
      { numRuns: 40 },
    );
  });
});

test('header names are case-insensitive in the S3 dialect too', () => {
  const [op, dir] = ['CopyObject', 'request'] as const;
  fc.assert(
    fc.property(validS3(op, dir), fc.infiniteStream(fc.boolean()), (s3, flips) => {
      const flip = (c: string) => (flips.next().value ? c.toUpperCase() : c);
      const cased = Object.fromEntries(Object.entries(s3).map(([n, v]) => [[...n].map(flip).join(''), v]));
      const a = validateHeaders({ operation: op, direction: dir, headers: s3 });
      expect(validateHeaders({ operation: op, direction: dir, headers: cased })).toEqual(a);
    }),
    { numRuns: 100 },
  );
});
