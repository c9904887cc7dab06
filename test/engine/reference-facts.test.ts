/**
 * Every fact of the reference page (shared/reference/obs-sse-rules.md), shown accepted and rejected.
 * Each case lists the exact diagnostics expected, as "code header" pairs.
 */
import {
  DOC_KEY_NEW,
  DOC_KEY_OLD,
  DOC_MD5,
  H,
  KEY_ID,
  PROJECT_ID,
  md5b64,
  newKey,
  run,
  srcSsec,
  ssec,
  type FactCase,
} from '../helpers';
import type { Operation } from '../../src/types';

type Case = FactCase;

const key = newKey();
const triple = ssec(H, key);
const T = 'https' as const;

const requestTable: Case[] = [
  // CreateBucket: {kms, obs}; data {AES256, SM4}; key id; project id; no SSE-C
  { name: 'bucket kms', op: 'CreateBucket', headers: { [H.sse]: 'kms' }, expect: [] },
  { name: 'bucket obs', op: 'CreateBucket', headers: { [H.sse]: 'obs' }, expect: [] },
  {
    name: 'bucket AES256 (object spelling)',
    op: 'CreateBucket',
    headers: { [H.sse]: 'AES256' },
    expect: [`value/not-allowed ${H.sse}`],
  },
  { name: 'bucket kms + SM4', op: 'CreateBucket', headers: { [H.sse]: 'kms', [H.data]: 'SM4' }, expect: [] },
  {
    name: 'bucket kms + AES256 data',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [H.data]: 'AES256' },
    expect: [],
  },
  {
    name: 'bucket kms + key id + project id',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    expect: [],
  },
  {
    name: 'bucket SSE-C',
    op: 'CreateBucket',
    headers: triple,
    expect: [`header/not-allowed ${H.cAlg}`, `header/not-allowed ${H.cKey}`, `header/not-allowed ${H.cMd5}`],
  },
  // PutObject / PostObject: {kms, AES256}; data SM4 only (seed); key id; SSE-C
  { name: 'put kms', op: 'PutObject', headers: { [H.sse]: 'kms' }, expect: [] },
  { name: 'put AES256', op: 'PutObject', headers: { [H.sse]: 'AES256' }, expect: [] },
  {
    name: 'put obs (bucket spelling)',
    op: 'PutObject',
    headers: { [H.sse]: 'obs' },
    expect: [`value/not-allowed ${H.sse}`],
  },
  { name: 'put kms + SM4', op: 'PutObject', headers: { [H.sse]: 'kms', [H.data]: 'SM4' }, expect: [] },
  {
    name: 'put kms + AES256 data (seed lists SM4 only)',
    op: 'PutObject',
    headers: { [H.sse]: 'kms', [H.data]: 'AES256' },
    expect: [`value/not-allowed ${H.data}`],
  },
  { name: 'put kms + key id', op: 'PutObject', headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID }, expect: [] },
  { name: 'put SSE-C', op: 'PutObject', scheme: T, headers: triple, expect: [] },
  {
    name: 'put copy-source triple',
    op: 'PutObject',
    headers: srcSsec(),
    expect: [
      `header/not-allowed ${H.srcAlg}`,
      `header/not-allowed ${H.srcKey}`,
      `header/not-allowed ${H.srcMd5}`,
    ],
  },
  { name: 'post kms + SM4', op: 'PostObject', headers: { [H.sse]: 'kms', [H.data]: 'SM4' }, expect: [] },
  { name: 'post SSE-C', op: 'PostObject', scheme: T, headers: triple, expect: [] },
  {
    name: 'post project id (not in the tables, not sent by the SDK)',
    op: 'PostObject',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    expect: [`header/not-allowed ${H.project}`],
  },
  // GetObject / HeadObject: SSE-C only
  { name: 'get SSE-C', op: 'GetObject', scheme: T, headers: triple, expect: [] },
  { name: 'get kms', op: 'GetObject', headers: { [H.sse]: 'kms' }, expect: [`header/not-allowed ${H.sse}`] },
  { name: 'head SSE-C', op: 'HeadObject', scheme: T, headers: triple, expect: [] },
  {
    name: 'head data',
    op: 'HeadObject',
    headers: { [H.data]: 'SM4' },
    expect: [`header/not-allowed ${H.data}`],
  },
  // CopyObject: {kms, AES256}; data {AES256, SM4}; key id; SSE-C; copy-source SSE-C
  {
    name: 'copy kms + AES256 data',
    op: 'CopyObject',
    scheme: T,
    headers: { [H.sse]: 'kms', [H.data]: 'AES256' },
    expect: [],
  },
  {
    name: 'copy SSE-C source into SSE-KMS target (the docs example)',
    op: 'CopyObject',
    scheme: T,
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, ...srcSsec() },
    expect: [],
  },
  {
    name: 'copy SSE-C source into SSE-C target',
    op: 'CopyObject',
    scheme: T,
    headers: { ...triple, ...srcSsec() },
    expect: [],
  },
  // InitiateMultipartUpload: {kms, AES256}; data {AES256, SM4}; key id; SSE-C
  {
    name: 'initiate kms + SM4 + key id',
    op: 'InitiateMultipartUpload',
    scheme: T,
    headers: { [H.sse]: 'kms', [H.data]: 'SM4', [H.kmsKey]: 'abc-123' },
    expect: [],
  },
  { name: 'initiate AES256', op: 'InitiateMultipartUpload', headers: { [H.sse]: 'AES256' }, expect: [] },
  { name: 'initiate SSE-C', op: 'InitiateMultipartUpload', scheme: T, headers: triple, expect: [] },
  {
    name: 'initiate copy-source triple',
    op: 'InitiateMultipartUpload',
    headers: srcSsec(),
    expect: [
      `header/not-allowed ${H.srcAlg}`,
      `header/not-allowed ${H.srcKey}`,
      `header/not-allowed ${H.srcMd5}`,
    ],
  },
  // UploadPart: SSE-C only; UploadPartCopy: SSE-C and copy-source SSE-C
  { name: 'part SSE-C', op: 'UploadPart', scheme: T, headers: triple, expect: [] },
  {
    name: 'part kms',
    op: 'UploadPart',
    headers: { [H.sse]: 'kms' },
    expect: [`header/not-allowed ${H.sse}`],
  },
  {
    name: 'part copy both triples',
    op: 'UploadPartCopy',
    scheme: T,
    headers: { ...triple, ...srcSsec() },
    expect: [],
  },
  {
    name: 'part copy key id',
    op: 'UploadPartCopy',
    headers: { [H.kmsKey]: KEY_ID },
    expect: [`header/not-allowed ${H.kmsKey}`],
  },
  // CompleteMultipartUpload: nothing
  {
    name: 'complete without SSE',
    op: 'CompleteMultipartUpload',
    scheme: 'http',
    headers: { 'content-type': 'application/xml' },
    expect: [],
  },
  {
    name: 'complete SSE-C (the S3 API documents it there: a warning, fact 13)',
    op: 'CompleteMultipartUpload',
    headers: triple,
    expect: [`header/unlisted ${H.cAlg}`, `header/unlisted ${H.cKey}`, `header/unlisted ${H.cMd5}`],
  },
  // AppendObject: as PutObject
  {
    name: 'append kms + SM4',
    op: 'AppendObject',
    scheme: T,
    headers: { [H.sse]: 'kms', [H.data]: 'SM4' },
    expect: [],
  },
  {
    name: 'append obs',
    op: 'AppendObject',
    headers: { [H.sse]: 'obs' },
    expect: [`value/not-allowed ${H.sse}`],
  },
];

const responseTable: Case[] = [
  {
    name: 'bucket obs + AES256',
    op: 'CreateBucket',
    dir: 'response',
    headers: { [H.sse]: 'obs', [H.data]: 'AES256' },
    expect: [],
  },
  {
    name: 'bucket kms + key + project',
    op: 'CreateBucket',
    dir: 'response',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    expect: [],
  },
  {
    name: 'bucket SSE-C algorithm',
    op: 'CreateBucket',
    dir: 'response',
    headers: { [H.cAlg]: 'AES256' },
    expect: [`header/not-allowed ${H.cAlg}`],
  },
  {
    name: 'put kms + SM4 + key id + project',
    op: 'PutObject',
    dir: 'response',
    headers: { [H.sse]: 'kms', [H.data]: 'SM4', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    expect: [],
  },
  {
    name: 'get SSE-C algorithm + MD5',
    op: 'GetObject',
    dir: 'response',
    headers: { [H.cAlg]: 'AES256', [H.cMd5]: md5b64(key) },
    expect: [],
  },
  {
    name: 'head kms',
    op: 'HeadObject',
    dir: 'response',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID },
    expect: [],
  },
  {
    name: 'copy data (table 2 responses: -)',
    op: 'CopyObject',
    dir: 'response',
    headers: { [H.sse]: 'kms', [H.data]: 'SM4' },
    expect: [`header/not-allowed ${H.data}`],
  },
  {
    name: 'complete kms + key id',
    op: 'CompleteMultipartUpload',
    dir: 'response',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID },
    expect: [],
  },
  {
    name: 'part SSE-C algorithm + MD5',
    op: 'UploadPart',
    dir: 'response',
    headers: { [H.cAlg]: 'AES256', [H.cMd5]: md5b64(key) },
    expect: [],
  },
  {
    name: 'response with the customer key',
    op: 'GetObject',
    dir: 'response',
    headers: triple,
    expect: [`sse-c/key-in-response ${H.cKey}`],
  },
  {
    name: 'response with the copy-source key',
    op: 'CopyObject',
    dir: 'response',
    headers: { [H.srcKey]: key },
    expect: [`sse-c/key-in-response ${H.srcKey}`],
  },
  {
    name: 'response algorithm without MD5',
    op: 'GetObject',
    dir: 'response',
    headers: { [H.cAlg]: 'AES256' },
    expect: [`sse-c/incomplete ${H.cMd5}`],
  },
  {
    name: 'response naming two methods',
    op: 'GetObject',
    dir: 'response',
    headers: { [H.sse]: 'kms', [H.cAlg]: 'AES256', [H.cMd5]: md5b64(key) },
    expect: [`sse/conflicting-methods ${H.sse}`],
  },
];

const crossHeader: Case[] = [
  // 1. all or nothing
  {
    name: 'SSE-C without MD5',
    op: 'PutObject',
    scheme: T,
    headers: { [H.cAlg]: 'AES256', [H.cKey]: key },
    expect: [`sse-c/incomplete ${H.cMd5}`],
  },
  {
    name: 'SSE-C key alone',
    op: 'GetObject',
    scheme: T,
    headers: { [H.cKey]: key },
    expect: [`sse-c/incomplete ${H.cAlg}`, `sse-c/incomplete ${H.cMd5}`],
  },
  {
    name: 'copy-source algorithm alone',
    op: 'CopyObject',
    scheme: T,
    headers: { [H.srcAlg]: 'AES256' },
    expect: [`sse-c/incomplete ${H.srcKey}`, `sse-c/incomplete ${H.srcMd5}`],
  },
  // 2. key and MD5
  {
    name: 'doc pair, older key',
    op: 'PutObject',
    scheme: T,
    headers: { [H.cAlg]: 'AES256', [H.cKey]: DOC_KEY_OLD, [H.cMd5]: DOC_MD5 },
    expect: [],
  },
  {
    name: 'doc pair, current key',
    op: 'PutObject',
    scheme: T,
    headers: { [H.cAlg]: 'AES256', [H.cKey]: DOC_KEY_NEW, [H.cMd5]: DOC_MD5 },
    expect: [`sse-c/md5-mismatch ${H.cMd5}`],
  },
  {
    name: 'copy-source MD5 mismatch',
    op: 'UploadPartCopy',
    scheme: T,
    headers: { ...srcSsec(), [H.srcMd5]: DOC_MD5 },
    expect: [`sse-c/md5-mismatch ${H.srcMd5}`],
  },
  {
    name: '16-byte key',
    op: 'PutObject',
    scheme: T,
    headers: ssec(H, newKey(16)),
    expect: [`sse-c/invalid-key ${H.cKey}`],
  },
  {
    name: 'URL-safe base64 key',
    op: 'PutObject',
    scheme: T,
    headers: { ...triple, [H.cKey]: 'K7QkYpBkM5-hcs27fsNkUnNVaobncnLht_rCB2o_9Cw=' },
    expect: [`sse-c/invalid-key ${H.cKey}`],
  },
  {
    name: 'non-canonical base64 key (unused bits set)',
    op: 'PutObject',
    scheme: T,
    headers: { ...triple, [H.cKey]: DOC_KEY_OLD.replace('9Cw=', '9Cx=') },
    expect: [`sse-c/invalid-key ${H.cKey}`],
  },
  {
    name: 'unpadded key',
    op: 'PutObject',
    scheme: T,
    headers: { ...triple, [H.cKey]: key.replace(/=+$/, '') },
    expect: [`sse-c/invalid-key ${H.cKey}`],
  },
  {
    name: 'hex MD5',
    op: 'PutObject',
    scheme: T,
    headers: { ...triple, [H.cMd5]: Buffer.from(md5b64(key), 'base64').toString('hex') },
    expect: [`sse-c/invalid-md5 ${H.cMd5}`],
  },
  // 3. one method; the copy-source triple combines with any target
  {
    name: 'kms with SSE-C',
    op: 'PutObject',
    scheme: T,
    headers: { [H.sse]: 'kms', ...triple },
    expect: [`sse/conflicting-methods ${H.sse}`],
  },
  {
    name: 'AES256 target with SSE-C source',
    op: 'CopyObject',
    scheme: T,
    headers: { [H.sse]: 'AES256', ...srcSsec() },
    expect: [],
  },
  // 4. key id needs kms; its forms
  {
    name: 'key id with AES256',
    op: 'PutObject',
    headers: { [H.sse]: 'AES256', [H.kmsKey]: KEY_ID },
    expect: [`sse-kms/key-id-requires-kms ${H.kmsKey}`],
  },
  {
    name: 'key id alone',
    op: 'InitiateMultipartUpload',
    headers: { [H.kmsKey]: KEY_ID },
    expect: [`sse-kms/key-id-requires-kms ${H.kmsKey}`],
  },
  {
    name: 'bare key id',
    op: 'PutObject',
    headers: { [H.sse]: 'kms', [H.kmsKey]: '4f1cd4de-ab64-4807-920a-47fc42e7f0d0' },
    expect: [],
  },
  {
    name: 'malformed key id',
    op: 'PutObject',
    headers: { [H.sse]: 'kms', [H.kmsKey]: 'my key' },
    expect: [`sse-kms/invalid-key-id ${H.kmsKey}`],
  },
  {
    name: 'key id with SSE-C',
    op: 'PutObject',
    scheme: T,
    headers: { [H.kmsKey]: KEY_ID, ...triple },
    expect: [`sse-kms/key-id-requires-kms ${H.kmsKey}`],
  },
  // 5. data algorithm needs kms on objects; on buckets SM4 needs kms and obs takes AES256 only
  {
    name: 'SM4 alone on an object',
    op: 'PutObject',
    headers: { [H.data]: 'SM4' },
    expect: [`sse-kms/data-encryption-requires-kms ${H.data}`],
  },
  {
    name: 'SM4 with AES256 on an object',
    op: 'CopyObject',
    scheme: T,
    headers: { [H.sse]: 'AES256', [H.data]: 'SM4' },
    expect: [`sse-kms/data-encryption-requires-kms ${H.data}`],
  },
  {
    name: 'bucket obs + SM4',
    op: 'CreateBucket',
    headers: { [H.sse]: 'obs', [H.data]: 'SM4' },
    expect: [`sse-kms/data-encryption-requires-kms ${H.data}`],
  },
  {
    name: 'bucket data alone',
    op: 'CreateBucket',
    headers: { [H.data]: 'AES256' },
    expect: [`sse-kms/data-encryption-requires-kms ${H.data}`],
  },
  // 6. project id: needs a key id; a warning on object writes
  {
    name: 'bucket project without key id',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [H.project]: PROJECT_ID },
    expect: [`sse-kms/project-id-requires-key-id ${H.project}`],
  },
  {
    name: 'bucket malformed project id',
    op: 'CreateBucket',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: 'proj-1' },
    expect: [`sse-kms/invalid-project-id ${H.project}`],
  },
  ...(['PutObject', 'AppendObject', 'CopyObject', 'InitiateMultipartUpload'] as const).map((op): Case => ({
    name: `${op} project id (warning)`,
    op,
    scheme: T,
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    expect: [`sse-kms/project-id-unlisted ${H.project}`],
  })),
  // 9. transport
  {
    name: 'SSE-C over http',
    op: 'PutObject',
    scheme: 'http',
    headers: triple,
    expect: [`transport/https-required ${H.cAlg}`],
  },
  { name: 'SSE-C over https', op: 'PutObject', scheme: 'https', headers: triple, expect: [] },
  { name: 'SSE-C, transport unknown', op: 'PutObject', headers: triple, expect: [] },
  {
    name: 'SSE-C GET over http',
    op: 'GetObject',
    scheme: 'http',
    headers: triple,
    expect: [`transport/https-required ${H.cAlg}`],
  },
  {
    name: 'SSE-C HEAD over http',
    op: 'HeadObject',
    scheme: 'http',
    headers: triple,
    expect: [`transport/https-required ${H.cAlg}`],
  },
  {
    name: 'kms upload over http',
    op: 'PutObject',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [`transport/https-required ${H.sse}`],
  },
  {
    name: 'kms POST upload over http',
    op: 'PostObject',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [`transport/https-required ${H.sse}`],
  },
  {
    name: 'kms initiate over http',
    op: 'InitiateMultipartUpload',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [`transport/https-required ${H.sse}`],
  },
  {
    name: 'kms bucket over http (either)',
    op: 'CreateBucket',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [],
  },
  {
    name: 'AES256 upload over http (either)',
    op: 'PutObject',
    scheme: 'http',
    headers: { [H.sse]: 'AES256' },
    expect: [],
  },
  {
    name: 'kms GET response over http',
    op: 'GetObject',
    dir: 'response',
    scheme: 'http',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID },
    expect: [`transport/https-required ${H.sse}`],
  },
  {
    name: 'kms GET response over https',
    op: 'GetObject',
    dir: 'response',
    scheme: 'https',
    headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID },
    expect: [],
  },
  {
    name: 'kms UploadPart response over http',
    op: 'UploadPart',
    dir: 'response',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [`transport/https-required ${H.sse}`],
  },
  {
    name: 'kms HEAD response over http (either)',
    op: 'HeadObject',
    dir: 'response',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [],
  },
  {
    name: 'kms complete response over http (either)',
    op: 'CompleteMultipartUpload',
    dir: 'response',
    scheme: 'http',
    headers: { [H.sse]: 'kms' },
    expect: [],
  },
  {
    name: 'copy to AES256 target over http',
    op: 'CopyObject',
    scheme: 'http',
    headers: { [H.sse]: 'AES256' },
    expect: [`transport/https-required ${H.sse}`],
  },
  { name: 'unencrypted copy over http', op: 'CopyObject', scheme: 'http', headers: {}, expect: [] },
  {
    name: 'SSE-C part copy target over http',
    op: 'UploadPartCopy',
    scheme: 'http',
    headers: triple,
    expect: [`transport/https-required ${H.cAlg}`],
  },
  // 10. case-sensitive values
  { name: 'KMS', op: 'PutObject', headers: { [H.sse]: 'KMS' }, expect: [`value/not-allowed ${H.sse}`] },
  {
    name: 'aes256 algorithm',
    op: 'GetObject',
    scheme: T,
    headers: { ...triple, [H.cAlg]: 'aes256' },
    expect: [`value/not-allowed ${H.cAlg}`],
  },
  {
    name: 'AES128 algorithm',
    op: 'PutObject',
    scheme: T,
    headers: { ...triple, [H.cAlg]: 'AES128' },
    expect: [`value/not-allowed ${H.cAlg}`],
  },
  {
    name: 'sm4',
    op: 'PutObject',
    headers: { [H.sse]: 'kms', [H.data]: 'sm4' },
    expect: [`value/not-allowed ${H.data}`],
  },
];

describe.each([
  ['request table', requestTable],
  ['response table', responseTable],
  ['cross-header facts', crossHeader],
])('%s', (_, cases) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = run({ operation: c.op, direction: c.dir ?? 'request', headers: c.headers, scheme: c.scheme });
    expect(r.pairs.sort()).toEqual([...c.expect].sort());
    expect(r.valid).toBe(!r.diagnostics.some((d) => d.severity === 'error'));
    if (c.expect.length === 0) expect(r.valid).toBe(true);
  });
});

describe('did-you-mean for the classic mix-ups', () => {
  const message = (op: Operation, headers: Record<string, string>) =>
    run({ operation: op, direction: 'request', headers }).diagnostics[0]?.message ?? '';
  test('KMS suggests kms', () =>
    expect(message('PutObject', { [H.sse]: 'KMS' })).toMatch(/Did you mean kms\?/));
  test('obs on an object suggests AES256', () =>
    expect(message('PutObject', { [H.sse]: 'obs' })).toMatch(
      /Did you mean AES256\? PutObject requests spell this AES256/,
    ));
  test('AES256 on a bucket suggests obs', () =>
    expect(message('CreateBucket', { [H.sse]: 'AES256' })).toMatch(/Did you mean obs\?/));
  test('aws:kms in the OBS dialect suggests kms', () =>
    expect(message('PutObject', { [H.sse]: 'aws:kms' })).toMatch(/Did you mean kms\?/));
  test('a typo suggests the nearest value', () =>
    expect(message('PutObject', { [H.sse]: 'kmss' })).toMatch(/Did you mean kms\?/));
  test('a misspelled header name suggests the catalogue name', () =>
    expect(message('PutObject', { 'x-obs-server-side-encryption-kms-keyid': KEY_ID })).toMatch(
      /Did you mean x-obs-server-side-encryption-kms-key-id\?/,
    ));
  test('messages say what would be right', () =>
    expect(message('PutObject', { [H.sse]: 'obs' })).toMatch(/expected kms or AES256/));
});

describe('diagnostic shape', () => {
  test('carries code, severity, lower-case header, message, expected, received and provenance', () => {
    const [d] = run({
      operation: 'CopyObject',
      direction: 'request',
      headers: { [H.data]: 'XTS' },
    }).diagnostics;
    expect(d).toEqual({
      code: 'value/not-allowed',
      severity: 'error',
      header: H.data,
      message: expect.stringContaining('"XTS" is not allowed on CopyObject requests; expected AES256 or SM4'),
      expected: ['AES256', 'SM4'],
      received: '"XTS"',
      operation: 'CopyObject',
      direction: 'request',
      provenance: expect.arrayContaining([
        expect.objectContaining({
          source: 'seed',
          table: 2,
          header: 'x-obs-server-side-data-encryption',
          column: 'API for Copying an Object',
        }),
      ]),
    });
  });
  test('per-API facts name their fact number', () => {
    const [d] = run({
      operation: 'PutObject',
      direction: 'request',
      headers: { [H.sse]: 'AES256', [H.kmsKey]: KEY_ID },
    }).diagnostics;
    expect(d!.provenance).toEqual([expect.objectContaining({ source: 'per-API', fact: 4 })]);
  });
  test('operations beyond the tables carry per-API provenance', () => {
    const [d] = run({
      operation: 'HeadObject',
      direction: 'request',
      headers: { [H.cAlg]: 'AES128', [H.cKey]: key, [H.cMd5]: md5b64(key) },
    }).diagnostics;
    expect(d!.provenance[0]).toEqual(expect.objectContaining({ source: 'per-API' }));
    expect(d!.provenance).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'seed', column: 'API for Downloading an Object' }),
      ]),
    );
  });
  test('a warning leaves the verdict valid', () => {
    const r = run({
      operation: 'PutObject',
      direction: 'request',
      headers: { [H.sse]: 'kms', [H.kmsKey]: KEY_ID, [H.project]: PROJECT_ID },
    });
    expect(r.valid).toBe(true);
    expect(r.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });
});
