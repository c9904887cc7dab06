/**
 * Output formats of `obs-sse lint`. Each is a streaming writer (`WRITERS`: it writes while the run goes,
 * so memory does not grow with the findings) and, from the same code, a pure function from a collected
 * lint result to text (`FORMATTERS`).
 */
import type { LintResult } from '../lint/types';
import { html, htmlWriter } from './html';
import { json, jsonWriter } from './json';
import { junit, junitWriter } from './junit';
import { sarif, sarifWriter } from './sarif';
import { stylish, stylishWriter } from './stylish';
import { summary, summaryWriter } from './summary';
import type { FormatOptions, WriterFactory } from './types';

/** A formatter: pure, `(result, options) => string`. */
export type Formatter = (result: LintResult, options?: FormatOptions) => string;

/** The formats by name, as `--format` takes them. */
export const FORMATTERS = { stylish, json, sarif, junit, summary, html } as const satisfies Record<
  string,
  Formatter
>;

/** A `--format` value. */
export type FormatName = keyof typeof FORMATTERS;

/** The streaming writer of each format. */
export const WRITERS: Record<FormatName, WriterFactory> = {
  stylish: stylishWriter,
  json: jsonWriter,
  sarif: sarifWriter,
  junit: junitWriter,
  summary: summaryWriter,
  html: htmlWriter,
};

export { html, json, junit, sarif, stylish, summary, type FormatOptions };
export type { ReportWriter, TextOut, WriterFactory } from './types';
export { JSON_FORMAT_VERSION } from './json';
