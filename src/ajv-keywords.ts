import type Ajv from 'ajv';
import { md5OfBase64 } from './values/base64';

/**
 * Registers the two non-standard keywords of the generated JSON Schemas on an ajv instance: `md5Matches`
 * (the SSE-C key MD5 must be the MD5 of the decoded key) and `tsType` (an annotation for
 * json-schema-to-typescript). Other validators may ignore both; they then skip only the MD5 comparison.
 */
export function addObsSseKeywords<T extends Pick<Ajv, 'addKeyword'>>(ajv: T): T {
  ajv.addKeyword({ keyword: 'tsType', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'md5Matches',
    type: 'object',
    schemaType: 'array',
    errors: false,
    validate: (pairs: { key: string; md5: string }[], data: Record<string, unknown>) =>
      pairs.every(({ key, md5 }) => {
        const k = data[key];
        const m = data[md5];
        // Presence and format are other keywords' business; only a well-formed pair is compared.
        return typeof k !== 'string' || typeof m !== 'string' || md5OfBase64(k) === m;
      }),
  });
  return ajv;
}
