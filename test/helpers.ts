import * as crypto from 'node:crypto';
import { validateHeaders } from '../src';
import type { Diagnostic, Direction, Operation, Scheme, ValidateOptions } from '../src/types';

/** One case of a reference-fact table: headers of one message and the diagnostics expected. */
export interface FactCase {
  name: string;
  op: Operation;
  dir?: Direction;
  scheme?: Scheme;
  headers: Record<string, string>;
  expect: string[];
}

export const H = {
  sse: 'x-obs-server-side-encryption',
  data: 'x-obs-server-side-data-encryption',
  kmsKey: 'x-obs-server-side-encryption-kms-key-id',
  project: 'x-obs-sse-kms-key-project-id',
  cAlg: 'x-obs-server-side-encryption-customer-algorithm',
  cKey: 'x-obs-server-side-encryption-customer-key',
  cMd5: 'x-obs-server-side-encryption-customer-key-md5',
  srcAlg: 'x-obs-copy-source-server-side-encryption-customer-algorithm',
  srcKey: 'x-obs-copy-source-server-side-encryption-customer-key',
  srcMd5: 'x-obs-copy-source-server-side-encryption-customer-key-md5',
} as const;

export const S3 = {
  sse: 'x-amz-server-side-encryption',
  kmsKey: 'x-amz-server-side-encryption-aws-kms-key-id',
  cAlg: 'x-amz-server-side-encryption-customer-algorithm',
  cKey: 'x-amz-server-side-encryption-customer-key',
  cMd5: 'x-amz-server-side-encryption-customer-key-md5',
  srcAlg: 'x-amz-copy-source-server-side-encryption-customer-algorithm',
  srcKey: 'x-amz-copy-source-server-side-encryption-customer-key',
  srcMd5: 'x-amz-copy-source-server-side-encryption-customer-key-md5',
} as const;

/** The key and MD5 of OBS's older docs: a matching pair. */
export const DOC_KEY_OLD = 'K7QkYpBkM5+hcs27fsNkUnNVaobncnLht/rCB2o/9Cw=';
/** The key of the current docs, printed next to the older key's MD5: a mismatching pair. */
export const DOC_KEY_NEW = 'K7QkYpBkM5+hca27fsNkUnNVaobncnLht/rCB2o/9Cw=';
export const DOC_MD5 = '4XvB3tbNTN+tIEVa0/fGaQ==';
export const KEY_ID = 'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0';
export const PROJECT_ID = '0b2a0a0e53f0422f8bd7f1ed2d4b3a3e';

export function md5b64(keyB64: string): string {
  return crypto.createHash('md5').update(Buffer.from(keyB64, 'base64')).digest('base64');
}

export function newKey(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64');
}

/** A fresh SSE-C triple, spelled for the given header set. */
export function ssec(
  names: { cAlg: string; cKey: string; cMd5: string } = H,
  key = newKey(),
): Record<string, string> {
  return { [names.cAlg]: 'AES256', [names.cKey]: key, [names.cMd5]: md5b64(key) };
}

export function srcSsec(key = newKey()): Record<string, string> {
  return ssec({ cAlg: H.srcAlg, cKey: H.srcKey, cMd5: H.srcMd5 }, key);
}

export function run(opts: ValidateOptions): { valid: boolean; diagnostics: Diagnostic[]; pairs: string[] } {
  const r = validateHeaders(opts);
  return { ...r, pairs: r.diagnostics.map((d) => `${d.code} ${d.header ?? ''}`.trim()) };
}
