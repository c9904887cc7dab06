/**
 * The core's pure MD5 and base64 (src/md5.ts, src/values/base64.ts) against node:crypto and Buffer, which
 * they replace so that the core runs without Node built-ins.
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { md5 } from '../../src/md5';
import { decodeBase64, encodeBase64, md5OfBase64 } from '../../src/values/base64';

const runs = { numRuns: 400 };
// Lengths around the 56-byte padding boundary and past one and two blocks matter most.
const bytes = fc.uint8Array({ maxLength: 300 });

test('md5 equals node:crypto for any bytes', () => {
  fc.assert(
    fc.property(bytes, (b) => {
      expect(Buffer.from(md5(b)).toString('hex')).toBe(crypto.createHash('md5').update(b).digest('hex'));
    }),
    runs,
  );
});

test('md5 at every length from 0 to 130 bytes (each padding case)', () => {
  for (let n = 0; n <= 130; n++) {
    const b = crypto.randomBytes(n);
    expect(Buffer.from(md5(b)).toString('hex')).toBe(crypto.createHash('md5').update(b).digest('hex'));
  }
});

test('md5 of a subarray reads only its own bytes', () => {
  const whole = crypto.randomBytes(64);
  const part = whole.subarray(7, 39);
  expect(Buffer.from(md5(part)).equals(crypto.createHash('md5').update(part).digest())).toBe(true);
});

test('encodeBase64 equals Buffer#toString("base64")', () => {
  fc.assert(
    fc.property(bytes, (b) => {
      expect(encodeBase64(b)).toBe(Buffer.from(b).toString('base64'));
    }),
    runs,
  );
});

test('decodeBase64 reads what Buffer.from(value, "base64") reads, for base64 of either alphabet', () => {
  const b64 = bytes.chain((b) =>
    fc.constantFrom(
      Buffer.from(b).toString('base64'),
      Buffer.from(b).toString('base64url'),
      Buffer.from(b).toString('base64').replace(/=+$/, ''),
    ),
  );
  fc.assert(
    fc.property(b64, (v) => {
      expect(Buffer.from(decodeBase64(v)).equals(Buffer.from(v, 'base64'))).toBe(true);
    }),
    runs,
  );
});

test('md5OfBase64 equals node:crypto on keys and on malformed strings', () => {
  const anyString = fc.string({ unit: fc.constantFrom(...'AZaz09+/-_=. \n'.split('')), maxLength: 60 });
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
  fc.assert(
    fc.property(fc.oneof(key, anyString), (v) => {
      const expected = crypto.createHash('md5').update(Buffer.from(v, 'base64')).digest('base64');
      expect(md5OfBase64(v)).toBe(expected);
    }),
    runs,
  );
});
