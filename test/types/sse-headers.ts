/**
 * Type tests for generated/types.ts, checked by `tsc --noEmit -p test/types` (npm run typecheck, and
 * test/engine/types.test.ts). Each `@ts-expect-error` marks a combination the rules refuse: tsc fails if
 * the line compiles, so every one of them is a real assertion.
 */
import type {
  CopyObjectRequestSseHeaders,
  CreateBucketRequestSseHeaders,
  GetObjectRequestSseHeaders,
  GetObjectResponseSseHeaders,
  PutObjectRequestSseHeaders,
  SseHeaders,
  UploadPartRequestSseHeaders,
} from '../../generated/types';

const key = 'K7QkYpBkM5+hcs27fsNkUnNVaobncnLht/rCB2o/9Cw=';
const md5 = '4XvB3tbNTN+tIEVa0/fGaQ==';

// Valid combinations compile.
export const kms: PutObjectRequestSseHeaders = { 'x-obs-server-side-encryption': 'kms' };
export const kmsFull: PutObjectRequestSseHeaders = {
  'x-obs-server-side-encryption': 'kms',
  'x-obs-server-side-data-encryption': 'SM4',
  'x-obs-server-side-encryption-kms-key-id': 'key-1',
  'x-obs-sse-kms-key-project-id': '0b2a0a0e53f0422f8bd7f1ed2d4b3a3e',
};
export const sseObs: PutObjectRequestSseHeaders = { 'x-obs-server-side-encryption': 'AES256' };
export const ssec: PutObjectRequestSseHeaders = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-server-side-encryption-customer-key': key,
  'x-obs-server-side-encryption-customer-key-md5': md5,
};
export const bucketObs: CreateBucketRequestSseHeaders = { 'x-obs-server-side-encryption': 'obs' };
export const copyIntoKms: CopyObjectRequestSseHeaders = {
  'x-obs-server-side-encryption': 'kms',
  'x-obs-copy-source-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-copy-source-server-side-encryption-customer-key': key,
  'x-obs-copy-source-server-side-encryption-customer-key-md5': md5,
};
export const getResponse: GetObjectResponseSseHeaders = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-server-side-encryption-customer-key-md5': md5,
};
export const byMap: SseHeaders<'UploadPart', 'request'> = ssec as UploadPartRequestSseHeaders;
export const withOtherHeaders: PutObjectRequestSseHeaders = {
  'x-obs-server-side-encryption': 'kms',
  'content-type': 'text/plain',
};

// SSE-C with kms.
// @ts-expect-error two methods on one request
export const ssecWithKms: PutObjectRequestSseHeaders = { ...ssec, 'x-obs-server-side-encryption': 'kms' };

// A key id with AES256.
// @ts-expect-error a KMS key id needs kms
export const keyIdWithAes: PutObjectRequestSseHeaders = {
  'x-obs-server-side-encryption': 'AES256',
  'x-obs-server-side-encryption-kms-key-id': 'key-1',
};

// A data algorithm without kms.
// @ts-expect-error SM4 needs x-obs-server-side-encryption: kms
export const dataAlone: PutObjectRequestSseHeaders = { 'x-obs-server-side-data-encryption': 'SM4' };

// A header the operation does not take.
// @ts-expect-error GetObject requests take only the SSE-C triple
export const getWithKms: GetObjectRequestSseHeaders = { 'x-obs-server-side-encryption': 'kms' };

const withKey = { ...getResponse, 'x-obs-server-side-encryption-customer-key': key };
// @ts-expect-error responses never carry the customer key
export const responseWithKey: GetObjectResponseSseHeaders = withKey;

// Values are case-sensitive, and SSE-OBS is spelled per target.
// @ts-expect-error KMS is not kms
export const upper: PutObjectRequestSseHeaders = { 'x-obs-server-side-encryption': 'KMS' };
// @ts-expect-error obs is the bucket spelling
export const obsOnObject: PutObjectRequestSseHeaders = { 'x-obs-server-side-encryption': 'obs' };
// @ts-expect-error AES256 is the object spelling
export const aesOnBucket: CreateBucketRequestSseHeaders = { 'x-obs-server-side-encryption': 'AES256' };

// An incomplete SSE-C triple.
// @ts-expect-error the MD5 is missing
export const incomplete: PutObjectRequestSseHeaders = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-server-side-encryption-customer-key': key,
};

// A project id without a key id.
// @ts-expect-error the project id qualifies a key id
export const projectAlone: CreateBucketRequestSseHeaders = {
  'x-obs-server-side-encryption': 'kms',
  'x-obs-sse-kms-key-project-id': 'p',
};
