/** `obs-sse-rules/lint` (Node): `obs-sse lint` as a library, its inputs, and its output formatters. */
export * from '../lint';
export { FORMATTERS, json, junit, sarif, stylish, JSON_FORMAT_VERSION } from '../formatters';
export type { Formatter, FormatName, FormatOptions } from '../formatters';
