/**
 * What the real official SDK (esdk-obs-nodejs) sends in S3 mode, checked by the engine: requests built from
 * correct parameters validate clean, over HTTPS so the transport rules apply too, except where the SDK itself
 * sends something wrong. Each such SDK defect has its own test. See docs/dialect.md, "SDK compatibility".
 */
import { validateHeaders, type ValidationResult } from '../../src';
import type { RecordedExchange } from '../../src/standin/server';
import { SCENARIOS, TEST_KMS_KEY_ID, type SdkMode } from '../support/sdk';
import {
  exchangesOf,
  recordSdk,
  recordedRequests,
  selfSignedCert,
  type RecordedRequest,
  type Recording,
} from './recorded';

const S3_SSE = 'x-amz-server-side-encryption';
const S3_KEY_ID = 'x-amz-server-side-encryption-aws-kms-key-id';
const S3_ALG = 'x-amz-server-side-encryption-customer-algorithm';

/** Scenarios with correct parameters in which the SDK sends something wrong in S3 mode, by the defect. */
const DEFECTIVE = ['put-sse-obs', 'append-kms', 'put-kms-key-project', 'upload-file-sse-c'];

const cert = selfSignedCert();

describe.each(['s3', 's3-v4'] as SdkMode[])('the official SDK in %s mode, over HTTPS', (mode) => {
  let rec: Recording;
  let checked: Map<RecordedExchange, { req: RecordedRequest; result: ValidationResult }>;

  beforeAll(async () => {
    rec = await recordSdk(mode, { tls: cert });
    checked = new Map(
      recordedRequests(rec).map((req) => [
        req.exchange,
        {
          req,
          result: validateHeaders({
            operation: req.operation,
            direction: 'request',
            headers: req.sse,
            scheme: req.classified.scheme,
          }),
        },
      ]),
    );
  });

  const verdicts = (id: string) =>
    exchangesOf(rec, id).flatMap((e) => {
      const c = checked.get(e);
      return c ? [{ operation: c.req.operation, ...c.result }] : [];
    });
  const pairsOf = (r: ValidationResult) => r.diagnostics.map((d) => `${d.code} ${d.header}`);

  test('sends every SSE header in the S3 dialect, over HTTPS', () => {
    const withSse = [...checked.values()].filter(({ req }) =>
      req.sse.some(([n]) => /^x-(obs|amz)-.*(server-side|sse)/i.test(n)),
    );
    expect(withSse.length).toBeGreaterThan(30);
    for (const { req, result } of withSse) {
      expect({ id: req.exchange.id, dialect: result.dialect }).toEqual({
        id: req.exchange.id,
        dialect: 's3',
      });
      expect(req.classified.scheme).toBe('https');
      expect(result.diagnostics.filter((d) => d.code.startsWith('dialect/'))).toEqual([]);
    }
  });

  test('requests from correct parameters validate clean, apart from the SDK defects below', () => {
    const correct = SCENARIOS.filter(
      (s) => s.kind !== 'wrong' && !DEFECTIVE.includes(s.id) && (!s.modes || s.modes.includes(mode)),
    );
    const operations = new Set<string>();
    for (const s of correct) {
      const vs = verdicts(s.id);
      expect(vs.length).toBeGreaterThan(0);
      for (const v of vs) {
        operations.add(v.operation);
        expect({ scenario: s.id, operation: v.operation, diagnostics: pairsOf(v) }).toEqual({
          scenario: s.id,
          operation: v.operation,
          diagnostics: [],
        });
      }
    }
    // Every operation was covered; AppendObject only runs with a key id, so it is in the defect test.
    expect([...operations].sort()).toEqual(
      [
        'CompleteMultipartUpload',
        'CopyObject',
        'CreateBucket',
        'GetObject',
        'HeadObject',
        'InitiateMultipartUpload',
        'PostObject',
        'PutObject',
        'UploadPart',
        'UploadPartCopy',
      ].sort(),
    );
  });

  test('SDK defect: SseKms "AES256" (SSE-OBS) goes out as aws:AES256', () => {
    const [v, ...rest] = verdicts('put-sse-obs');
    expect(rest).toEqual([]);
    expect(v!.diagnostics).toEqual([
      expect.objectContaining({
        code: 'value/not-allowed',
        header: S3_SSE,
        received: '"aws:AES256"',
        expected: ['aws:kms', 'AES256'],
      }),
    ]);
    expect(v!.diagnostics[0]!.message).toContain('Did you mean AES256?');
  });

  test('SDK defect: appendObject sends SseKmsKey as x-amz-server-side-encryption-kms-key-id', () => {
    const appends = verdicts('append-kms');
    expect(appends.map((v) => v.operation)).toEqual(['AppendObject', 'AppendObject']);
    // The second append carries no SSE-KMS header (追加写对象, constraint 3), so only the first shows it.
    expect(appends[1]!.diagnostics).toEqual([]);
    for (const v of appends.slice(0, 1)) {
      expect(v.diagnostics).toEqual([
        expect.objectContaining({
          code: 'header/unknown',
          header: 'x-amz-server-side-encryption-kms-key-id',
        }),
      ]);
      expect(v.diagnostics[0]!.message).toContain(`Did you mean ${S3_KEY_ID}?`);
    }
    // putObject, given the same SseKmsKey, sends the documented name.
    const put = exchangesOf(rec, 'put-kms-key').find((e) => e.operation === 'PutObject')!;
    expect(put.requestHeaders).toContainEqual([S3_KEY_ID, TEST_KMS_KEY_ID]);
  });

  test('SseKmsProjectId goes out as x-amz-sse-kms-key-project-id, the S3 spelling of the project id: the same warning as in OBS mode', () => {
    const [v] = verdicts('put-kms-key-project');
    expect(v!.valid).toBe(true);
    expect(v!.diagnostics.map((d) => `${d.severity} ${d.code} ${d.header}`)).toEqual([
      'warning sse-kms/project-id-unlisted x-amz-sse-kms-key-project-id',
    ]);
  });

  test('SDK defect (both dialects): uploadFile drops SseC from the initiate and from every part', () => {
    const vs = verdicts('upload-file-sse-c').filter((v) => v.operation !== 'CompleteMultipartUpload');
    expect(vs.map((v) => v.operation)).toEqual([
      'InitiateMultipartUpload',
      'UploadPart',
      'UploadPart',
      'UploadPart',
    ]);
    for (const v of vs) expect(pairsOf(v)).toEqual([`sse-c/incomplete ${S3_ALG}`]);
    // The documented workaround (also passing the misspelt `sseC`) is clean.
    for (const v of verdicts('upload-file-sse-c-workaround')) expect(v.diagnostics).toEqual([]);
  });

  test('deliberately wrong parameters are caught in their S3 spelling', () => {
    const first = (id: string) =>
      verdicts(id)
        .filter((v) => v.operation === 'PutObject')
        .at(-1)!;
    expect(
      Object.fromEntries(
        [
          'wrong-sse-c-16-byte-key',
          'wrong-sse-c-aes128',
          'wrong-sse-c-base64-key',
          'wrong-kms-key-with-aes256',
          'wrong-sse-c-with-kms',
          'wrong-sse-obs-spelling',
          'wrong-kms-uppercase',
          'wrong-kms-key-without-sse',
          'wrong-sse-c-key-without-algorithm',
        ].map((id) => [id, pairsOf(first(id))]),
      ),
    ).toEqual({
      'wrong-sse-c-16-byte-key': ['sse-c/invalid-key x-amz-server-side-encryption-customer-key'],
      'wrong-sse-c-aes128': [`value/not-allowed ${S3_ALG}`],
      'wrong-sse-c-base64-key': ['sse-c/invalid-key x-amz-server-side-encryption-customer-key'],
      // The SDK's aws:AES256 hides the stray key id: the method itself is already wrong.
      'wrong-kms-key-with-aes256': [`value/not-allowed ${S3_SSE}`],
      'wrong-sse-c-with-kms': [`sse/conflicting-methods ${S3_SSE}`],
      // `obs` and `KMS` go out as aws:obs and aws:KMS.
      'wrong-sse-obs-spelling': [`value/not-allowed ${S3_SSE}`],
      'wrong-kms-uppercase': [`value/not-allowed ${S3_SSE}`],
      'wrong-kms-key-without-sse': [`sse-kms/key-id-requires-kms ${S3_KEY_ID}`],
      'wrong-sse-c-key-without-algorithm': [`sse-c/incomplete ${S3_ALG}`],
    });
    expect(first('wrong-sse-obs-spelling').diagnostics[0]!.message).toContain('"aws:obs"');
    expect(first('wrong-sse-obs-spelling').diagnostics[0]!.message).toContain('Did you mean AES256?');
    expect(first('wrong-kms-uppercase').diagnostics[0]!.message).toContain('Did you mean aws:kms?');
  });
});

test('in OBS mode the project id is only a warning, as the tables do not list it for objects', async () => {
  const rec = await recordSdk('obs', { only: ['create-bucket', 'put-kms-key-project'] });
  const [req] = recordedRequests(rec).filter((r) => r.operation === 'PutObject');
  const r = validateHeaders({ operation: 'PutObject', direction: 'request', headers: req!.sse });
  expect(r.valid).toBe(true);
  expect(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.header}`)).toEqual([
    'warning sse-kms/project-id-unlisted x-obs-sse-kms-key-project-id',
  ]);
});
