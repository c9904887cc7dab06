/** Output formats of `obs-sse lint`: pure functions from a lint result to text. */
import type { LintResult } from '../lint/types';
import { json } from './json';
import { junit } from './junit';
import { sarif } from './sarif';
import { stylish } from './stylish';
import type { FormatOptions } from './types';

/** A formatter: pure, `(result, options) => string`. */
export type Formatter = (result: LintResult, options?: FormatOptions) => string;

/** The formats by name, as `--format` takes them. */
export const FORMATTERS = { stylish, json, sarif, junit } as const satisfies Record<string, Formatter>;

/** A `--format` value. */
export type FormatName = keyof typeof FORMATTERS;

export { json, junit, sarif, stylish, type FormatOptions };
export { JSON_FORMAT_VERSION } from './json';
