import { normalizeHeaders, sseCHeaders, validateHeaders, OPERATIONS, getChecker } from '../../src';
import type { HeaderInput } from '../../src/types';
import { DOC_KEY_OLD, DOC_MD5, H, KEY_ID, md5b64, newKey, run, ssec } from '../helpers';

const PUT = { operation: 'PutObject', direction: 'request' } as const;

describe('header map shapes', () => {
  const k = newKey();
  const expectations: [string, HeaderInput][] = [
    [
      'plain object (node:http)',
      { [H.cAlg]: 'AES256', [H.cKey]: k, [H.cMd5]: md5b64(k), 'content-length': '12' },
    ],
    ['WHATWG Headers', new Headers({ [H.cAlg]: 'AES256', [H.cKey]: k, [H.cMd5]: md5b64(k) })],
    [
      'Map',
      new Map([
        [H.cAlg, 'AES256'],
        [H.cKey, k],
        [H.cMd5, md5b64(k)],
      ]),
    ],
    [
      '[name, value] pairs',
      [
        [H.cAlg, 'AES256'],
        [H.cKey, k],
        [H.cMd5, md5b64(k)],
      ],
    ],
    [
      'node rawHeaders',
      [
        'X-Obs-Server-Side-Encryption-Customer-Algorithm',
        'AES256',
        H.cKey,
        k,
        'X-Obs-Server-Side-Encryption-Customer-Key-MD5',
        md5b64(k),
      ],
    ],
    [
      'generator of pairs',
      (function* () {
        yield [H.cAlg, 'AES256'] as const;
        yield [H.cKey, k] as const;
        yield [H.cMd5, md5b64(k)] as const;
      })(),
    ],
  ];
  test.each(expectations)('%s is read', (_, headers) => {
    expect(validateHeaders({ ...PUT, headers }).diagnostics).toEqual([]);
    // The same shape with a wrong MD5 is caught, so the shape was really read.
  });
  test.each([
    ['plain object', { [H.cAlg]: 'AES256', [H.cKey]: DOC_KEY_OLD, [H.cMd5]: md5b64(newKey()) }],
    ['Headers', new Headers({ [H.cAlg]: 'AES256', [H.cKey]: DOC_KEY_OLD, [H.cMd5]: md5b64(newKey()) })],
    [
      'pairs',
      [
        [H.cAlg, 'AES256'],
        [H.cKey, DOC_KEY_OLD],
        [H.cMd5, md5b64(newKey())],
      ],
    ],
    ['rawHeaders', [H.cAlg, 'AES256', H.cKey, DOC_KEY_OLD, H.cMd5, md5b64(newKey())]],
  ] as [string, HeaderInput][])('%s with a wrong MD5 is rejected', (_, headers) => {
    expect(run({ ...PUT, headers }).pairs).toEqual([`sse-c/md5-mismatch ${H.cMd5}`]);
  });
  test('names are case-insensitive and values lose surrounding whitespace', () => {
    expect(run({ ...PUT, headers: { 'X-OBS-SERVER-SIDE-ENCRYPTION': '  kms\t' } }).diagnostics).toEqual([]);
  });
  test('numbers are read as strings', () => {
    expect(run({ ...PUT, headers: { [H.sse]: 5 } }).pairs).toEqual([`value/not-allowed ${H.sse}`]);
  });
  test('a header repeated with the same value is fine', () => {
    expect(
      run({
        ...PUT,
        headers: [
          [H.sse, 'kms'],
          ['X-Obs-Server-Side-Encryption', 'kms'],
        ],
      }).diagnostics,
    ).toEqual([]);
    expect(run({ ...PUT, headers: { [H.sse]: ['kms', 'kms'] } }).diagnostics).toEqual([]);
  });
  test('a header repeated with different values is an error', () => {
    expect(
      run({
        ...PUT,
        headers: [
          [H.sse, 'kms'],
          [H.sse, 'AES256'],
        ],
      }).pairs,
    ).toEqual([`header/conflicting-values ${H.sse}`]);
    expect(run({ ...PUT, headers: { [H.sse]: ['kms', 'AES256'] } }).pairs).toEqual([
      `header/conflicting-values ${H.sse}`,
    ]);
    // node:http and fetch join repeats with ", "
    expect(
      run({
        ...PUT,
        headers: new Headers([
          [H.sse, 'kms'],
          [H.sse, 'AES256'],
        ]),
      }).pairs,
    ).toEqual([`header/conflicting-values ${H.sse}`]);
  });
  test('undefined and null values are absent', () => {
    expect(run({ ...PUT, headers: { [H.sse]: undefined, [H.kmsKey]: null } }).diagnostics).toEqual([]);
  });
  test('unrelated headers are ignored, user metadata included', () => {
    expect(
      run({
        ...PUT,
        headers: { 'x-obs-meta-encryption-note': 'x', 'x-obs-acl': 'private', authorization: 'OBS a:b' },
      }).diagnostics,
    ).toEqual([]);
  });
});

describe('hostile input', () => {
  test('__proto__ and constructor as names neither throw nor pollute', () => {
    const headers = JSON.parse(
      '{"__proto__": {"polluted": 1}, "constructor": "x", "prototype": 1, "x-obs-server-side-encryption": "kms"}',
    );
    const r = validateHeaders({ ...PUT, headers });
    expect(r.valid).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(normalizeHeaders(headers)[H.sse]).toBe('kms');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  test('an SSE header with an object value gets a diagnostic', () => {
    expect(run({ ...PUT, headers: { [H.sse]: { toString: () => 'kms' } } }).pairs).toEqual([
      `input/invalid-value ${H.sse}`,
    ]);
    expect(run({ ...PUT, headers: { [H.sse]: [['kms']] } }).pairs).toEqual([`input/invalid-value ${H.sse}`]);
    expect(run({ ...PUT, headers: { [H.sse]: true } }).pairs).toEqual([`input/invalid-value ${H.sse}`]);
  });
  test('entries that are not pairs get a diagnostic', () => {
    expect(run({ ...PUT, headers: [[H.sse, 'kms'], 'oops' as never] }).pairs).toEqual([
      'input/invalid-value (entry)',
    ]);
  });
  test('megabyte values are handled quickly and not echoed', () => {
    const big = 'A'.repeat(1 << 20);
    const started = Date.now();
    const r = run({
      ...PUT,
      headers: { [H.sse]: big, [H.kmsKey]: big, 'x-obs-server-side-encryption-customer-key': big },
    });
    expect(r.pairs.sort()).toEqual(
      [
        `sse-c/incomplete ${H.cAlg}`,
        `sse-c/incomplete ${H.cMd5}`,
        `sse-c/invalid-key ${H.cKey}`,
        `sse-kms/invalid-key-id ${H.kmsKey}`,
        `value/not-allowed ${H.sse}`,
        `sse/conflicting-methods ${H.sse}`,
      ].sort(),
    );
    for (const d of r.diagnostics) expect(d.message.length).toBeLessThan(600);
    expect(Date.now() - started).toBeLessThan(5000); // a bound against pathological regex or edit-distance work, not a benchmark
  });
  test('megabyte SSE-looking names are shortened in diagnostics', () => {
    const name = `x-obs-server-side-encryption-${'z'.repeat(1 << 20)}`;
    const [d] = run({ ...PUT, headers: { [name]: 'kms' } }).diagnostics;
    expect(d!.code).toBe('header/unknown');
    expect(d!.header!.length).toBeLessThan(200);
  });
  test('a throwing getter yields a diagnostic, not a throw', () => {
    const headers = { [H.sse]: 'kms' };
    Object.defineProperty(headers, 'x-obs-server-side-data-encryption', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(run({ ...PUT, headers }).pairs).toEqual(['input/invalid-value (headers)']);
  });
  test('unknown operation, direction, scheme or dialect is a TypeError listing the valid ones', () => {
    expect(() =>
      validateHeaders({ operation: 'DeleteObject' as never, direction: 'request', headers: {} }),
    ).toThrow(
      new TypeError(
        `obs-sse-rules: unknown operation "DeleteObject"; expected one of ${OPERATIONS.join(', ')}`,
      ),
    );
    expect(() =>
      validateHeaders({ operation: 'PutObject', direction: 'both' as never, headers: {} }),
    ).toThrow(/unknown direction "both"; expected request or response/);
    expect(() =>
      validateHeaders({ operation: 'PutObject', direction: 'request', scheme: 'ftp' as never, headers: {} }),
    ).toThrow(TypeError);
    expect(() =>
      validateHeaders({ operation: 'PutObject', direction: 'request', dialect: 'gcs' as never, headers: {} }),
    ).toThrow(TypeError);
    expect(() =>
      validateHeaders({ operation: 'PutObject', direction: 'request', headers: null as never }),
    ).toThrow(TypeError);
  });
});

describe('sseCHeaders', () => {
  test('builds a triple the engine accepts, for both the target and the copy source', () => {
    const raw = Buffer.from(DOC_KEY_OLD, 'base64');
    expect(sseCHeaders(raw)).toEqual({
      [H.cAlg]: 'AES256',
      [H.cKey]: DOC_KEY_OLD,
      'x-obs-server-side-encryption-customer-key-MD5': DOC_MD5,
    });
    const headers = { ...sseCHeaders(raw), ...sseCHeaders(new Uint8Array(32).fill(7), { copySource: true }) };
    expect(
      validateHeaders({ operation: 'CopyObject', direction: 'request', headers, scheme: 'https' })
        .diagnostics,
    ).toEqual([]);
    const s3 = sseCHeaders(raw, { dialect: 's3' });
    expect(validateHeaders({ operation: 'GetObject', direction: 'request', headers: s3 })).toMatchObject({
      valid: true,
      dialect: 's3',
    });
  });
  test('refuses keys that are not 32 bytes, without echoing them', () => {
    const key = Buffer.from('0123456789abcdef');
    expect(() => sseCHeaders(key)).toThrow(
      new TypeError('sseCHeaders: an SSE-C key is 32 bytes (AES-256); this one has 16'),
    );
    expect(() => sseCHeaders('not bytes' as never)).toThrow(TypeError);
  });
});

test('the operation list matches the rule data', () => {
  expect(getChecker().operations).toEqual(OPERATIONS);
});

test('valid is true exactly when no diagnostic is an error', () => {
  for (const headers of [
    { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, 'x-obs-sse-kms-key-project-id': 'ab'.repeat(16) },
    ssec(),
    { [H.sse]: 'x' },
  ]) {
    const r = validateHeaders({ ...PUT, headers });
    expect(r.valid).toBe(r.diagnostics.every((d) => d.severity !== 'error'));
  }
});
