/**
 * The machine format. Its shape is documented in docs/cli.md and only ever grows: every finding has
 * every key (absent values are `null`), so consumers need no existence checks.
 *
 * It is written as the run goes: `findings` stream one per line, and `inputErrors`, `files` and
 * `summary` (with the aggregate) follow once they are known, at the end of the document.
 */
import type { Counts, Finding, InputError, LintOutcome } from '../lint/types';
import { nestedJson } from './common';
import { toText } from './replay';
import type { FormatOptions, ReportWriter, TextOut } from './types';

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

const findingJson = (f: Finding): string =>
  JSON.stringify({
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
  });

const inputErrorJson = (e: InputError) => ({
  file: e.file,
  entry: e.entry ?? null,
  line: e.line ?? null,
  column: e.column ?? null,
  offset: e.offset ?? null,
  message: e.message,
});

/** The `summary` object: the run's counts, then the aggregate (./lint/aggregate.ts). */
export function jsonSummary(outcome: LintOutcome) {
  const s = outcome.summary;
  const a = outcome.aggregate;
  return {
    files: s.files,
    ...counts(s),
    findingsOmitted: s.findingsOmitted,
    inputErrorsOmitted: s.inputErrorsOmitted,
    groups: a?.groups ?? [],
    overflowFindings: a?.overflowFindings ?? 0,
    maxGroups: a?.maxGroups ?? null,
    byCode: a?.byCode ?? [],
    byClient: a?.byClient ?? [],
    byOperation: a?.byOperation ?? [],
    byBucket: a?.byBucket ?? [],
    timeline: a?.timeline ?? null,
    checkedByOperation: a?.checked ?? [],
  };
}

/** The JSON format, written as the run goes. */
export function jsonWriter(out: TextOut, options: FormatOptions = {}): ReportWriter {
  out.write(
    `{\n  "formatVersion": ${JSON_FORMAT_VERSION},\n  "tool": ${JSON.stringify({ name: 'obs-sse', version: options.version ?? null })},\n  "findings": [`,
  );
  let first = true;
  return {
    exchange(x) {
      for (const f of x.findings) {
        out.write(`${first ? '' : ','}\n    ${findingJson(f)}`);
        first = false;
      }
    },
    inputError() {},
    fileDone() {},
    end(outcome) {
      const tail = {
        inputErrors: outcome.inputErrors.map(inputErrorJson),
        files: outcome.files.map((f) => ({ file: f.file, format: f.format ?? null, ...counts(f) })),
        summary: jsonSummary(outcome),
      };
      const rest = Object.entries(tail)
        .map(([k, v]) => `  ${JSON.stringify(k)}: ${nestedJson(v, '  ')}`)
        .join(',\n');
      out.write(`${first ? '' : '\n  '}],\n${rest}\n}\n`);
    },
  };
}

/** Formats a lint result as one JSON document. */
export const json = toText(jsonWriter);
