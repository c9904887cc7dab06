/**
 * `obs-sse-rules/ajv`: the two non-standard keywords of the generated JSON Schemas (`md5Matches`, `tsType`),
 * for validating with ajv against `obs-sse-rules/schemas/*.json`.
 */
export { addObsSseKeywords } from '../ajv-keywords';
