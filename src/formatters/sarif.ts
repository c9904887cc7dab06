/**
 * SARIF 2.1.0 (OASIS), for code-scanning dashboards. Every code of rules/codes.json is a rule of the
 * driver, so a dashboard can show the help of a code that did not fire in this run. A finding is located
 * in its input file: NDJSON findings by line (`region.startLine`), HAR findings by the entry's JSON
 * path (`logicalLocations`), since the readers do not keep an entry's line.
 */
import { codeCatalogue } from '../lint/codes';
import type { InputError } from '../lint/types';
import { STDIN_NAME } from '../lint/inputs';
import type { Severity } from '../types';
import { exchangeTitle, nestedJson } from './common';
import { toText } from './replay';
import type { FormatOptions, ReportWriter, TextOut } from './types';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/** A relative path with forward slashes is a valid relative URI reference; anything else is escaped. */
function uriOf(file: string): string {
  if (file === STDIN_NAME) return 'stdin';
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function location(f: { file: string; entry?: number; line?: number; column?: number }) {
  const physical: Record<string, unknown> = { artifactLocation: { uri: uriOf(f.file) } };
  if (f.line !== undefined) {
    physical.region =
      f.column !== undefined ? { startLine: f.line, startColumn: f.column } : { startLine: f.line };
  }
  const loc: Record<string, unknown> = { physicalLocation: physical };
  if (f.entry !== undefined && f.line === undefined) {
    loc.logicalLocations = [
      { name: `entry ${f.entry}`, fullyQualifiedName: `log.entries[${f.entry}]`, kind: 'object' },
    ];
  }
  return loc;
}

function rulesOf() {
  return codeCatalogue().map((c) => ({
    id: c.code,
    name: c.code.replace(/(^|[/-])([a-z0-9])/g, (_, _sep: string, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.summary },
    fullDescription: { text: c.help },
    help: { text: `${c.help}\n\nRun \`obs-sse explain ${c.code}\` for examples.` },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: { provenance: c.provenance, tags: ['security', 'obs', 'server-side-encryption'] },
  }));
}

/**
 * SARIF written as the run goes: the driver and its rules first, then one result per line as findings
 * come, then the invocation (with the input errors) and the artifacts, known only at the end.
 */
export function sarifWriter(out: TextOut, options: FormatOptions = {}): ReportWriter {
  const index = new Map(codeCatalogue().map((c, i) => [c.code, i]));
  const driver = {
    name: 'obs-sse',
    ...(options.version ? { version: options.version, semanticVersion: options.version } : {}),
    rules: rulesOf(),
  };
  out.write(
    `{\n  "$schema": ${JSON.stringify(SARIF_SCHEMA)},\n  "version": "2.1.0",\n  "runs": [\n    {\n      "tool": ${nestedJson({ driver }, '      ')},\n      "results": [`,
  );
  let first = true;
  return {
    exchange(x) {
      for (const f of x.findings) {
        const r: Record<string, unknown> = {
          ruleId: f.code,
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [location(f)],
          properties: {
            direction: f.direction,
            exchange: exchangeTitle(f),
            ...(f.header !== undefined ? { header: f.header } : {}),
          },
        };
        const i = index.get(f.code);
        if (i !== undefined) r.ruleIndex = i;
        out.write(`${first ? '' : ','}\n        ${JSON.stringify(r)}`);
        first = false;
      }
    },
    inputError() {},
    fileDone() {},
    end(outcome) {
      const invocations = [
        {
          executionSuccessful: outcome.summary.inputErrors === 0,
          toolExecutionNotifications: outcome.inputErrors.map((e: InputError) => ({
            level: 'error',
            message: { text: e.message },
            locations: [location(e)],
          })),
        },
      ];
      const artifacts = outcome.files.map((f) => ({ location: { uri: uriOf(f.file) } }));
      out.write(
        `${first ? '' : '\n      '}],\n      "invocations": ${nestedJson(invocations, '      ')},\n      "artifacts": ${nestedJson(artifacts, '      ')}\n    }\n  ]\n}\n`,
      );
    },
  };
}

/** Formats a lint result as a SARIF 2.1.0 log with one run. */
export const sarif = toText(sarifWriter);
