import fc from 'fast-check';
import { CHECK_KINDS } from '../../src/checks';
import { getChecker, OPERATIONS, validateHeaders } from '../../src';
import { ScanState } from '../../src/engine/state';
import * as crypto from 'node:crypto';
import {
  canonicalBase64Pattern,
  describeBase64,
  isCanonicalBase64,
  md5OfBase64,
} from '../../src/values/base64';

describe.each([16, 32, 1, 2, 3, 30])('canonical base64 of %i bytes', (bytes) => {
  const re = new RegExp(canonicalBase64Pattern(bytes));
  const near = fc
    .uint8Array({ minLength: Math.max(0, bytes - 1), maxLength: bytes + 1 })
    .chain((b) =>
      fc.tuple(
        fc.constant(Buffer.from(b).toString('base64')),
        fc.nat(),
        fc.constantFrom('', '=', 'A', '-', '_', 'é', ' '),
      ),
    );
  test('the table-driven check and the schema pattern accept the same strings', () => {
    fc.assert(
      fc.property(near, ([b64, at, ch]) => {
        const i = at % (b64.length + 1);
        for (const v of [
          b64,
          b64.slice(0, i) + ch + b64.slice(i + 1),
          b64.replace(/=+$/, ''),
          b64.slice(0, -2) + ch + b64.slice(-1),
        ]) {
          expect(isCanonicalBase64(v, bytes)).toBe(re.test(v));
        }
      }),
      { numRuns: 500 },
    );
  });
  test('real encodings of that length pass', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: bytes, maxLength: bytes }), (b) =>
        isCanonicalBase64(Buffer.from(b).toString('base64'), bytes),
      ),
    );
  });
});

test('describeBase64 says why without repeating the value', () => {
  const hex = 'a'.repeat(64);
  expect(describeBase64(hex, 32)).toBe('it looks like hex; encode the bytes as base64');
  expect(describeBase64('', 32)).toBe('it is empty');
  expect(describeBase64(Buffer.alloc(16).toString('base64'), 32)).toBe('it decodes to 16 bytes, not 32');
  expect(describeBase64('ab_cd-', 32)).toMatch(/URL-safe/);
});

test('the check-kind registry is closed and every kind declares an options schema', () => {
  expect([...CHECK_KINDS.keys()].sort()).toEqual([
    'all-or-none',
    'forbidden',
    'key-in-url',
    'matches',
    'md5-of',
    'mutually-exclusive',
    'requires',
    'transport',
  ]);
  for (const kind of CHECK_KINDS.values())
    expect(kind.optionsSchema).toEqual(expect.objectContaining({ type: 'object' }));
});

test('every compiled check passes when none of its trigger headers is present (the engine skips it then)', () => {
  const checker = getChecker() as unknown as {
    compiled: Map<
      string,
      Record<string, { checks: { check: { triggers: number; test(s: ScanState): boolean } }[] }>
    >;
  };
  // Operations and directions compile on first use: judge an empty map of each to compile them all.
  for (const operation of OPERATIONS) {
    for (const direction of ['request', 'response'] as const) {
      // AppendObject compiles per append too: position unknown, the first (0), a later one.
      for (const position of operation === 'AppendObject' ? [undefined, 0, 1] : [undefined])
        validateHeaders({ operation, direction, headers: {}, position });
    }
  }
  let count = 0;
  for (const byDirection of checker.compiled.values()) {
    for (const c of Object.values(byDirection)) {
      for (const { check } of c.checks) {
        for (let bits = 0; bits < 1 << 10; bits++) {
          if (bits & check.triggers) continue;
          const s = new ScanState(10, 'http');
          s.allocate();
          s.sent = s.bits = s.valid = bits;
          expect(check.test(s)).toBe(true);
        }
        count++;
      }
    }
  }
  expect(count).toBeGreaterThan(50);
});

test('md5OfBase64 equals node crypto on decoded bytes, for keys and for any other base64', () => {
  const md5 = (b64: string) => crypto.createHash('md5').update(Buffer.from(b64, 'base64')).digest('base64');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 48 }), (bytes) => {
      const b64 = Buffer.from(bytes).toString('base64');
      expect(md5OfBase64(b64)).toBe(md5(b64));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      const b64 = Buffer.from(bytes).toString('base64');
      expect(md5OfBase64(b64)).toBe(md5(b64));
    }),
    { numRuns: 500 },
  );
});
