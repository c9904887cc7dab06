/** A customer key never appears in a diagnostic, a message or a thrown error, whatever the mistake. */
import fc from 'fast-check';
import { OPERATIONS, createChecker, sseCHeaders, validateHeaders } from '../../src';
import type { Direction } from '../../src/types';
import { H, S3, md5b64 } from '../helpers';

const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
const placement = fc.constantFrom(
  ...([
    H.cKey,
    H.srcKey,
    S3.cKey,
    S3.srcKey,
    H.cMd5,
    H.cAlg,
    H.sse,
    H.kmsKey,
    H.project,
    H.data,
    'x-obs-server-side-encryption-customer-kee',
  ] as string[]),
);

test('no key value in any diagnostic, in any header, operation and direction', () => {
  fc.assert(
    fc.property(
      keyArb,
      fc.array(placement, { minLength: 1, maxLength: 4 }),
      fc.constantFrom(...OPERATIONS),
      fc.constantFrom<Direction>('request', 'response'),
      fc.constantFrom('http' as const, 'https' as const, undefined),
      fc.boolean(),
      (key, places, operation, direction, scheme, wrongMd5) => {
        const headers: Record<string, string> = {
          [H.cAlg]: 'AES256',
          [H.cMd5]: wrongMd5 ? md5b64(key.split('').reverse().join('')) : md5b64(key),
        };
        for (const p of places) headers[p] = p === H.sse ? `kms ${key}` : key;
        const out = JSON.stringify(validateHeaders({ operation, direction, headers, scheme }));
        expect(out).not.toContain(key);
        expect(out).not.toContain(key.slice(0, 43));
      },
    ),
    { numRuns: 400 },
  );
});

test('keys hidden inside longer values are redacted too', () => {
  const key = Buffer.alloc(32, 9).toString('base64');
  const r = validateHeaders({
    operation: 'PutObject',
    direction: 'request',
    headers: { ...sseCHeaders(Buffer.alloc(32, 9)), [H.kmsKey]: `prefix-${key}` },
  });
  expect(JSON.stringify(r)).not.toContain(key);
  expect(r.diagnostics.find((d) => d.header === H.kmsKey)!.received).toMatch(/^\[redacted: /);
});

test('severity overrides cannot make a key show up either', () => {
  const checker = createChecker({ severity: { 'sse-c/invalid-key': 'warning' } });
  const key = Buffer.alloc(16, 3).toString('base64');
  const r = checker.validate({
    operation: 'PutObject',
    direction: 'request',
    headers: { [H.cAlg]: 'AES256', [H.cKey]: key, [H.cMd5]: md5b64(key) },
  });
  expect(r.diagnostics.map((d) => `${d.code} ${d.severity}`)).toEqual(['sse-c/invalid-key warning']);
  expect(JSON.stringify(r)).not.toContain(key);
});
