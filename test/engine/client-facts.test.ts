/**
 * Reference facts 12-15 (what real S3 clients send): each shown accepted and rejected, as "severity code header"
 * triples, in both dialects where the header has both spellings.
 */
import { validateHeaders } from '../../src';
import { H, KEY_ID, PROJECT_ID, S3, md5b64, newKey, ssec, type FactCase } from '../helpers';

type Case = FactCase;

const BK = 'x-obs-server-side-encryption-bucket-key-enabled';
const BK3 = 'x-amz-server-side-encryption-bucket-key-enabled';
const PROJECT3 = 'x-amz-sse-kms-key-project-id';
const CONTEXT = 'x-amz-server-side-encryption-context';
const key = newKey();
const s3Triple = ssec(S3, key);
const obsTriple = ssec(H, key);
const unlisted = (...names: string[]): string[] => names.map((n) => `warning header/unlisted ${n}`);

const completeMultipartUpload: Case[] = [
  {
    name: 'the upload’s own S3 triple (lib-storage Upload, boto3 1.43) is a warning per header',
    op: 'CompleteMultipartUpload',
    scheme: 'https',
    headers: s3Triple,
    expect: unlisted(S3.cAlg, S3.cKey, S3.cMd5),
  },
  {
    name: 'over plain HTTP too (CompleteMultipartUpload takes either scheme)',
    op: 'CompleteMultipartUpload',
    scheme: 'http',
    headers: obsTriple,
    expect: unlisted(H.cAlg, H.cKey, H.cMd5),
  },
  {
    name: 'a 16-byte key is still an error',
    op: 'CompleteMultipartUpload',
    headers: ssec(S3, newKey(16)),
    expect: [`error sse-c/invalid-key ${S3.cKey}`, ...unlisted(S3.cAlg, S3.cKey, S3.cMd5)],
  },
  {
    name: 'an MD5 of another key is still an error',
    op: 'CompleteMultipartUpload',
    headers: { ...s3Triple, [S3.cMd5]: md5b64(newKey()) },
    expect: [`error sse-c/md5-mismatch ${S3.cMd5}`, ...unlisted(S3.cAlg, S3.cKey, S3.cMd5)],
  },
  {
    name: 'an incomplete triple is still an error',
    op: 'CompleteMultipartUpload',
    headers: { [S3.cAlg]: 'AES256' },
    expect: [
      `error sse-c/incomplete ${S3.cKey}`,
      `error sse-c/incomplete ${S3.cMd5}`,
      ...unlisted(S3.cAlg),
    ].sort(),
  },
  {
    name: 'an algorithm OBS does not take is still an error',
    op: 'CompleteMultipartUpload',
    headers: { ...s3Triple, [S3.cAlg]: 'aws:kms' },
    expect: [`error value/not-allowed ${S3.cAlg}`, ...unlisted(S3.cAlg, S3.cKey, S3.cMd5)],
  },
  {
    name: 'the encryption method is not taken by CompleteMultipartUpload',
    op: 'CompleteMultipartUpload',
    headers: { [H.sse]: 'kms' },
    expect: [`error header/not-allowed ${H.sse}`],
  },
];

const bucketKey: Case[] = [
  {
    name: 'CreateBucket: true with a key id',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [BK]: 'true' },
    expect: [],
  },
  {
    name: 'CreateBucket: true without a key id',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [BK]: 'true' },
    expect: [`error sse-kms/bucket-key-requires-key-id ${BK}`],
  },
  {
    name: 'CreateBucket: false without a key id',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [BK]: 'false' },
    expect: [],
  },
  {
    name: 'PutObject, OBS dialect: true with a key id',
    op: 'PutObject',
    scheme: 'https',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [BK]: 'true' },
    expect: [],
  },
  {
    name: 'PutObject, S3 dialect (AWS SDK BucketKeyEnabled, awscli --bucket-key-enabled): true with a key id',
    op: 'PutObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [BK3]: 'true' },
    expect: [],
  },
  {
    name: 'PutObject, S3 dialect: true without a key id',
    op: 'PutObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [BK3]: 'true' },
    expect: [`error sse-kms/bucket-key-requires-key-id ${BK3}`],
  },
  {
    name: 'CopyObject, S3 dialect: true with a key id',
    op: 'CopyObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [BK3]: 'true' },
    expect: [],
  },
  {
    name: 'InitiateMultipartUpload (S3 CreateMultipartUpload): OBS lists nothing, a warning',
    op: 'InitiateMultipartUpload',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [BK3]: 'true' },
    expect: unlisted(BK3),
  },
  {
    name: 'GetObject response (S3 returns it): a warning',
    op: 'GetObject',
    dir: 'response',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [BK3]: 'true' },
    expect: unlisted(BK3),
  },
  {
    name: 'botocore’s True (boto3, awscli --bucket-key-enabled) with a key id',
    op: 'PutObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [BK3]: 'True' },
    expect: [],
  },
  {
    name: 'botocore’s True without a key id',
    op: 'PutObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [BK3]: 'True' },
    expect: [`error sse-kms/bucket-key-requires-key-id ${BK3}`],
  },
  {
    name: 'a value other than true or false',
    op: 'PutObject',
    scheme: 'https',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [BK]: 'yes' },
    expect: [`error value/not-allowed ${BK}`],
  },
];

const projectId: Case[] = [
  {
    name: 'CreateBucket, S3 dialect: the project id with a key id',
    op: 'CreateBucket',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [PROJECT3]: PROJECT_ID },
    expect: [],
  },
  {
    name: 'PutObject, S3 dialect (esdk-obs-nodejs S3 mode): the same warning as the OBS spelling',
    op: 'PutObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [PROJECT3]: PROJECT_ID },
    expect: [`warning sse-kms/project-id-unlisted ${PROJECT3}`],
  },
  {
    name: 'PutObject, OBS dialect: unchanged',
    op: 'PutObject',
    scheme: 'https',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    expect: [`warning sse-kms/project-id-unlisted ${H.project}`],
  },
  {
    name: 'S3 dialect: the project id without a key id',
    op: 'CreateBucket',
    headers: { [S3.sse]: 'aws:kms', [PROJECT3]: PROJECT_ID },
    expect: [`error sse-kms/project-id-requires-key-id ${PROJECT3}`],
  },
  {
    name: 'S3 dialect: a malformed project id',
    op: 'CreateBucket',
    headers: { [S3.sse]: 'aws:kms', [S3.kmsKey]: KEY_ID, [PROJECT3]: 'not-a-project' },
    expect: [`error sse-kms/invalid-project-id ${PROJECT3}`],
  },
];

const encryptionContext: Case[] = [
  {
    name: 'the AWS SDK’s SSEKMSEncryptionContext stays an error, under its own code',
    op: 'PutObject',
    scheme: 'https',
    headers: { [S3.sse]: 'aws:kms', [CONTEXT]: 'eyJ0ZWFtIjoiYSJ9' },
    expect: [`error sse-kms/encryption-context-dropped ${CONTEXT}`],
  },
];

function outcome(c: Case): string[] {
  const r = validateHeaders({
    operation: c.op,
    direction: c.dir ?? 'request',
    headers: c.headers,
    scheme: c.scheme,
  });
  return r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.header ?? ''}`.trim()).sort();
}

describe.each([
  ['fact 13: SSE-C on CompleteMultipartUpload', completeMultipartUpload],
  ['fact 14: the bucket-key switch', bucketKey],
  ['fact 12: the S3 spelling of the project id', projectId],
  ['fact 15: the SSE-KMS encryption context', encryptionContext],
])('%s', (_title, cases) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(outcome(c)).toEqual([...c.expect].sort());
  });
});

describe('messages say what OBS really does', () => {
  const message = (c: Case): string =>
    validateHeaders({ operation: c.op, direction: 'request', headers: c.headers, scheme: c.scheme })
      .diagnostics[0]!.message;

  test('an unlisted header is not said to endanger encryption', () => {
    const m = message(completeMultipartUpload[0]!);
    expect(m).toContain('does not change how the object is encrypted');
    expect(m).not.toContain('may not be encrypted');
  });
  test('the encryption context: OBS silently drops the binding the caller asked for', () => {
    expect(message(encryptionContext[0]!)).toMatch(/silently drops it.*not be bound to the context/);
  });
  test('the bucket key: names the key id it needs', () => {
    expect(message(bucketKey[5]!)).toContain('x-amz-server-side-encryption-aws-kms-key-id');
  });
  test('no message carries the customer key', () => {
    const all = [...completeMultipartUpload, ...bucketKey].flatMap((c) =>
      validateHeaders({ operation: c.op, direction: 'request', headers: c.headers }).diagnostics.map((d) =>
        JSON.stringify(d),
      ),
    );
    for (const d of all) expect(d).not.toContain(key);
  });
});
