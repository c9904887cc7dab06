/**
 * Type tests for the spellings the generated per-operation types take: sseCHeaders' output as it is spelt
 * (`key-MD5`), lower-case names, and no S3-dialect names in these OBS maps. docs/package.md lists what a
 * type cannot refuse (a misspelt SSE name hides in the index signature that other headers need).
 */
import type {
  CopyObjectRequestSseHeaders,
  GetObjectRequestSseHeaders,
  GetObjectResponseSseHeaders,
  PutObjectRequestSseHeaders,
  SseHeaders,
} from '../../generated/types';
import { sseCHeaders } from '../../src/sse-c';

const key = new Uint8Array(32);
const ssec = sseCHeaders(key);
const source = sseCHeaders(key, { copySource: true });

// sseCHeaders' output assigns as it is spelt, alone or with other headers.
export const put: PutObjectRequestSseHeaders = ssec;
export const get: GetObjectRequestSseHeaders = { ...ssec, range: 'bytes=0-9' };
export const copy: CopyObjectRequestSseHeaders = { ...ssec, ...source };
export const byMap: SseHeaders<'UploadPart', 'request'> = ssec;
export const algorithm: 'AES256' = ssec['x-obs-server-side-encryption-customer-algorithm'];
export const s3Md5: string = sseCHeaders(key, { dialect: 's3' })[
  'x-amz-server-side-encryption-customer-key-MD5'
];

// The documented spelling is held to the same rules as the lower-case one.
// @ts-expect-error responses never carry the customer key, under either spelling
export const responseWithKey: GetObjectResponseSseHeaders = ssec;
// @ts-expect-error SSE-C with kms, with the MD5 spelt key-MD5
export const ssecWithKms: PutObjectRequestSseHeaders = { ...ssec, 'x-obs-server-side-encryption': 'kms' };
// @ts-expect-error GetObject requests do not take the copy-source triple
export const getWithSource: GetObjectRequestSseHeaders = source;
// @ts-expect-error the MD5 under both spellings at once
export const both: PutObjectRequestSseHeaders = {
  ...ssec,
  'x-obs-server-side-encryption-customer-key-md5': 'x',
};
// @ts-expect-error the key-MD5 spelling without the rest of the triple
export const md5Only: PutObjectRequestSseHeaders = { 'x-obs-server-side-encryption-customer-key-MD5': 'x' };

// S3-dialect names are refused in these OBS-dialect maps.
// @ts-expect-error x-amz-server-side-encryption is the S3 spelling
export const s3Name: PutObjectRequestSseHeaders = { 'x-amz-server-side-encryption': 'aws:kms' };
// @ts-expect-error sseCHeaders({ dialect: 's3' }) builds an S3 map
export const s3Triple: PutObjectRequestSseHeaders = sseCHeaders(key, { dialect: 's3' });
