/** What several formatters share: where a finding is, how exchanges group, how the run is summed up. */
import type { Finding, InputError, LintOutcome, Summary } from '../lint/types';

/** `3 errors`, `1 warning`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `line 4` for NDJSON findings, `entry 3` for HAR findings. */
export function entryLabel(f: { entry: number; line?: number }): string {
  return f.line !== undefined ? `line ${f.line}` : `entry ${f.entry}`;
}

/** `METHOD URL (Operation)`: how an exchange is named in human-readable output. */
export function exchangeTitle(f: { method: string; url: string; operation?: string }): string {
  return `${f.method} ${f.url}${f.operation ? ` (${f.operation})` : ''}`;
}

/** Where an input error is: `line 7, column 12`, `entry 3`, or nothing. */
export function errorPosition(e: InputError): string {
  if (e.line !== undefined)
    return e.column !== undefined ? `line ${e.line}, column ${e.column}` : `line ${e.line}`;
  if (e.entry !== undefined) return `entry ${e.entry}`;
  return '';
}

/** The findings of one exchange: consecutive findings with the same file and entry. */
export interface ExchangeGroup {
  file: string;
  entry: number;
  findings: Finding[];
}

/** Groups findings by exchange, keeping the run's order (files in order, exchanges in order). */
export function groupByExchange(findings: readonly Finding[]): ExchangeGroup[] {
  const groups: ExchangeGroup[] = [];
  let last: ExchangeGroup | undefined;
  for (const f of findings) {
    if (!last || last.file !== f.file || last.entry !== f.entry) {
      last = { file: f.file, entry: f.entry, findings: [] };
      groups.push(last);
    }
    last.findings.push(f);
  }
  return groups;
}

/** `40 checked, 12 skipped (10 service, 2 bucket-subresource)`. */
export function exchangeCounts(s: Summary): string {
  const skipped = Object.entries(s.skipped).filter(([, n]) => (n ?? 0) > 0);
  const total = skipped.reduce((a, [, n]) => a + (n ?? 0), 0);
  const detail = skipped.map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `${plural(s.exchanges, 'exchange')}: ${s.checked} checked${total ? `, ${total} skipped (${detail})` : ''}`;
}

/** The one-line outcome of a run, without colour. */
export function summaryLine(result: Pick<LintOutcome, 'summary'>): string {
  const s = result.summary;
  const problems = s.errors + s.warnings + s.infos;
  const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning')];
  if (s.infos) parts.push(plural(s.infos, 'info'));
  const head =
    problems > 0
      ? `${plural(problems, 'problem')} (${parts.join(', ')})`
      : s.inputErrors
        ? 'No findings'
        : 'No problems';
  let line = `${head} in ${exchangeCounts(s)}, from ${plural(s.files, 'file')}`;
  if (s.inputErrors) line += `; ${plural(s.inputErrors, 'input error')}`;
  if (s.findingsOmitted) line += `; ${s.findingsOmitted} more findings not listed (--max-findings)`;
  if (s.inputErrorsOmitted) line += `; ${s.inputErrorsOmitted} more input errors not listed`;
  return line;
}

/** `value` as two-space indented JSON, every line after the first indented by `indent` more. */
export const nestedJson = (value: unknown, indent: string): string =>
  JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
