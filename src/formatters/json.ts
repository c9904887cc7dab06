/**
 * The machine format. Its shape is documented in docs/cli.md and only ever grows: every finding has
 * every key (absent values are `null`), so consumers need no existence checks.
 */
import type { Counts, LintResult } from '../lint/types';
import type { FormatOptions } from './types';

/** Version of the JSON shape; bumped only for changes that could break a consumer. */
export const JSON_FORMAT_VERSION = 1;

const counts = (c: Counts) => ({
  exchanges: c.exchanges,
  checked: c.checked,
  skipped: c.skipped,
  errors: c.errors,
  warnings: c.warnings,
  infos: c.infos,
  inputErrors: c.inputErrors,
});

/** Formats a lint result as one JSON document (two-space indented, newline-terminated). */
export function json(result: LintResult, options: FormatOptions = {}): string {
  const doc = {
    formatVersion: JSON_FORMAT_VERSION,
    tool: { name: 'obs-sse', version: options.version ?? null },
    summary: {
      files: result.summary.files,
      ...counts(result.summary),
      findingsOmitted: result.summary.findingsOmitted,
    },
    files: result.files.map((f) => ({ file: f.file, format: f.format ?? null, ...counts(f) })),
    findings: result.findings.map((f) => ({
      file: f.file,
      entry: f.entry,
      line: f.line ?? null,
      operation: f.operation ?? null,
      direction: f.direction,
      code: f.code,
      severity: f.severity,
      header: f.header ?? null,
      message: f.message,
      method: f.method,
      url: f.url,
    })),
    inputErrors: result.inputErrors.map((e) => ({
      file: e.file,
      entry: e.entry ?? null,
      line: e.line ?? null,
      column: e.column ?? null,
      offset: e.offset ?? null,
      message: e.message,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
