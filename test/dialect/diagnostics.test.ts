/**
 * What the engine says about dialect mistakes: the two the official SDK makes in S3 mode, mixing the
 * dialects, a forced dialect, which dialect a result reports, and that diagnostics speak the dialect of the
 * message (header names as sent, values as spelled there).
 */
import { validateHeaders } from '../../src';
import type { Dialect, Operation, ValidateOptions } from '../../src/types';
import { H, KEY_ID, S3, ssec } from '../helpers';
import { rules } from '../support/arbitraries';

const run = (
  operation: Operation,
  headers: ValidateOptions['headers'],
  extra: Partial<ValidateOptions> = {},
) => validateHeaders({ operation, direction: 'request', headers, ...extra });

/** Request cells whose method values include AES256 (SSE-OBS on objects). */
const aes256Ops = rules.operations.filter((o) => o.request.sse?.values?.includes('AES256')).map((o) => o.id);
const kmsKeyOps = rules.operations.filter((o) => o.request.kmsKey).map((o) => o.id);
const MISNAMED_KEY_ID = 'x-amz-server-side-encryption-kms-key-id';

describe('aws:AES256, what the SDK sends for SSE-OBS in S3 mode', () => {
  test.each(aes256Ops)('is refused on %s with a did-you-mean AES256', (op) => {
    const r = run(op, { [S3.sse]: 'aws:AES256' });
    expect(r).toMatchObject({ valid: false, dialect: 's3' });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'value/not-allowed',
        severity: 'error',
        header: S3.sse,
        received: '"aws:AES256"',
        expected: ['aws:kms', 'AES256'],
      }),
    ]);
    expect(r.diagnostics[0]!.message).toContain(`Did you mean AES256? ${op} requests spell this AES256.`);
  });

  test('aws:obs (the SDK prefixing `obs`) suggests AES256 too, not the look-alike aws:kms', () => {
    const [d] = run('PutObject', { [S3.sse]: 'aws:obs' }).diagnostics;
    expect(d!.message).toContain('Did you mean AES256?');
    expect(d!.message).not.toContain('aws:kms?');
  });
});

describe(`${MISNAMED_KEY_ID}, what the SDK sends for appendObject/modifyObject in S3 mode`, () => {
  test.each(kmsKeyOps)('is an unknown header on %s with a did-you-mean to the -aws-kms-key-id name', (op) => {
    const r = run(op, { [S3.sse]: 'aws:kms', [MISNAMED_KEY_ID]: KEY_ID });
    expect(r).toMatchObject({ valid: false, dialect: 's3' });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'header/unknown', severity: 'error', header: MISNAMED_KEY_ID }),
    ]);
    expect(r.diagnostics[0]!.message).toContain(`Did you mean ${S3.kmsKey}?`);
  });

  test('the documented name is clean', () => {
    expect(run('AppendObject', { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID })).toMatchObject({
      valid: true,
      diagnostics: [],
      dialect: 's3',
    });
  });
});

describe('mixing x-obs- and x-amz- SSE headers', () => {
  test('the dialect with more SSE headers wins; each header of the other is dialect/mixed, named as sent', () => {
    const r = run('PutObject', {
      'X-Amz-Server-Side-Encryption': 'aws:kms',
      [S3.kmsKey]: KEY_ID,
      'X-Obs-Server-Side-Encryption': 'kms',
    });
    expect(r.dialect).toBe('s3');
    expect(r.valid).toBe(false);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'dialect/mixed', header: H.sse, received: 'OBS', expected: ['S3'] }),
    ]);
    expect(r.diagnostics[0]!.message).toContain(`The S3 spelling is ${S3.sse}.`);
  });

  test('a tie is read as OBS', () => {
    const r = run('PutObject', { [S3.sse]: 'aws:kms', [H.kmsKey]: KEY_ID });
    expect(r.dialect).toBe('obs');
    const mixed = r.diagnostics.filter((d) => d.code === 'dialect/mixed');
    expect(mixed).toEqual([expect.objectContaining({ header: S3.sse, received: 'S3', expected: ['OBS'] })]);
    expect(mixed[0]!.message).toContain(`The OBS spelling is ${H.sse}.`);
  });

  test('an SSE-C triple spread over both dialects', () => {
    const r = run('GetObject', { ...ssec(S3), [H.cAlg]: 'AES256' });
    expect(r.dialect).toBe('s3');
    expect(r.diagnostics.map((d) => `${d.code} ${d.header}`)).toEqual([`dialect/mixed ${H.cAlg}`]);
  });

  test('mixing is also refused in responses', () => {
    const r = validateHeaders({
      operation: 'GetObject',
      direction: 'response',
      headers: { [S3.sse]: 'aws:kms', [H.kmsKey]: KEY_ID, [S3.kmsKey]: KEY_ID },
    });
    expect(r.dialect).toBe('s3');
    expect(r.diagnostics.map((d) => `${d.code} ${d.header}`)).toContain(`dialect/mixed ${H.kmsKey}`);
  });
});

describe('a forced dialect', () => {
  test.each([
    ['obs', { [S3.sse]: 'aws:kms' }, S3.sse],
    ['s3', { [H.sse]: 'kms' }, H.sse],
    ['obs', { [H.sse]: 'kms', [S3.kmsKey]: KEY_ID }, S3.kmsKey],
    ['s3', { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [H.sse]: 'kms' }, H.sse],
  ] as [Dialect, Record<string, string>, string][])(
    "%s refuses %j with dialect/mismatch on the other dialect's header",
    (dialect, headers, culprit) => {
      const r = run('PutObject', headers, { dialect });
      expect(r.dialect).toBe(dialect);
      expect(r.valid).toBe(false);
      const mismatch = r.diagnostics.filter((d) => d.code.startsWith('dialect/'));
      expect(mismatch).toEqual([expect.objectContaining({ code: 'dialect/mismatch', header: culprit })]);
    },
  );

  test.each(['obs', 's3'] as Dialect[])(
    '%s is reported as the dialect even when no SSE header is present',
    (dialect) => {
      expect(run('PutObject', { 'content-type': 'text/plain' }, { dialect })).toMatchObject({
        valid: true,
        dialect,
      });
    },
  );

  test('auto reads a message without SSE headers as OBS', () => {
    expect(run('PutObject', {}).dialect).toBe('obs');
  });
});

describe('diagnostics speak the dialect of the message', () => {
  test('names are lower-case as sent, never the twin', () => {
    const r = run('PutObject', { 'X-Amz-Server-Side-Encryption-Customer-Key-MD5': 'nope' });
    expect(r.diagnostics.map((d) => d.header)).toEqual(expect.arrayContaining([S3.cMd5, S3.cAlg, S3.cKey]));
    expect(JSON.stringify(r.diagnostics.map((d) => [d.header, d.message, d.expected]))).not.toContain(
      'x-obs-',
    );
  });

  test('a cross-header rule names the S3 headers and the S3 value', () => {
    const [d] = run('PutObject', { [S3.kmsKey]: KEY_ID }).diagnostics;
    expect(d).toMatchObject({
      code: 'sse-kms/key-id-requires-kms',
      header: S3.kmsKey,
      expected: ['aws:kms'],
    });
    expect(d!.message).toBe(`${S3.kmsKey} needs ${S3.sse}: aws:kms; without it the key id is ignored.`);
  });

  test('the transport rules apply to the S3 spelling of kms', () => {
    const r = run('PutObject', { [S3.sse]: 'aws:kms' }, { scheme: 'http' });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'transport/https-required', header: S3.sse }),
    ]);
    expect(run('PutObject', { [S3.sse]: 'aws:kms' }, { scheme: 'https' }).diagnostics).toEqual([]);
  });

  test('a customer key sent in the S3 spelling is never echoed', () => {
    const headers = ssec(S3);
    const key = headers[S3.cKey]!;
    const r = run('PutObject', { ...headers, [S3.cKey]: key.slice(1) });
    expect(r.diagnostics.map((d) => d.code)).toContain('sse-c/invalid-key');
    expect(JSON.stringify(r)).not.toContain(key.slice(1, 20));
  });
});
