/**
 * `--format summary`: who is wrong, not every finding. The aggregate of the run (src/lint/aggregate.ts)
 * as text: one line per group of code × operation × client × bucket, largest first, with its count and
 * where it was first and last seen; then tallies by client, operation and code, what was checked and
 * passed, and the example exchange of the largest groups.
 */
import type { Group, Place } from '../lint/aggregate';
import type { ExchangeExample } from '../lint/example';
import type { LintOutcome } from '../lint/types';
import { entryLabel, plural, summaryLine } from './common';
import { toText } from './replay';
import type { ReportWriter, TextOut } from './types';

/** Groups whose example exchange is printed. */
const EXAMPLES = 5;

/** `many.ndjson line 3 (2024-05-06T08:00:00.000Z)`. */
export function placeLabel(p: Place): string {
  return `${p.file} ${entryLabel(p)}${p.time ? ` (${p.time})` : ''}`;
}

/** A group's name: `code  operation  client  bucket`, or the code alone for an overflow group. */
export function groupLabel(g: Group): string {
  if (g.overflow) return `${g.code}  (other groups, past the limit)`;
  return [g.code, g.operation || '-', g.client || '-', g.bucket || '-'].join('  ');
}

function table(rows: string[][], out: string[]): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) {
    out.push(
      `  ${r.map((cell, i) => (i === 0 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
    );
  }
}

/** The headers of an example, one per line. */
export function exampleLines(x: ExchangeExample): string[] {
  const lines = [`${x.method} ${x.url}`, ...x.requestHeaders.map(([n, v]) => `${n}: ${v}`)];
  if (x.status !== undefined) {
    lines.push('', `HTTP ${x.status}`, ...(x.responseHeaders ?? []).map(([n, v]) => `${n}: ${v}`));
  }
  if (x.headersOmitted) lines.push(`(${plural(x.headersOmitted, 'more header')} not shown)`);
  return lines;
}

/** The summary as lines of text. */
function render(outcome: LintOutcome): string[] {
  const out = [summaryLine(outcome)];
  const a = outcome.aggregate;
  if (!a || a.groups.length === 0) return out;
  out.push('', `Findings by code × operation × client × bucket (${plural(a.groups.length, 'group')}):`);
  table(
    [
      ['count', 'severity', 'code', 'operation', 'client', 'bucket', 'first', 'last'],
      ...a.groups.map((g) => [
        String(g.count),
        g.severity,
        g.code,
        g.overflow ? '(other groups)' : g.operation || '-',
        g.client ?? '',
        g.bucket ?? '',
        placeLabel(g.first),
        placeLabel(g.last),
      ]),
    ],
    out,
  );
  if (a.overflowFindings > 0) {
    out.push(
      `  ${plural(a.overflowFindings, 'finding')} past the limit of ${a.maxGroups} groups are counted under their code as (other groups).`,
    );
  }
  for (const [title, tallies] of [
    ['By client', a.byClient],
    ['By operation', a.byOperation],
    ['By code', a.byCode],
  ] as const) {
    out.push('', `${title}:`);
    table(
      tallies.map((t) => [String(t.count), t.name]),
      out,
    );
  }
  out.push('', 'Checked and clean, by operation and SSE mode:');
  table(
    [
      ['checked', 'clean', 'operation', 'sse'],
      ...a.checked.map((c) => [String(c.checked), String(c.clean), c.operation, c.sse]),
    ],
    out,
  );
  const shown = a.groups.filter((g) => g.example).slice(0, EXAMPLES);
  for (const g of shown) {
    out.push('', `Example of ${groupLabel(g)} (${placeLabel(g.first)}), redacted:`, `  ${g.message}`);
    for (const l of exampleLines(g.example as ExchangeExample)) out.push(l ? `    ${l}` : '');
  }
  return out;
}

/** The summary format: nothing while the run goes, the aggregate at the end. */
export function summaryWriter(out: TextOut): ReportWriter {
  return {
    exchange() {},
    inputError() {},
    fileDone() {},
    end(outcome) {
      out.write(`${render(outcome).join('\n')}\n`);
    },
  };
}

/** Formats a lint result as its summary. */
export const summary = toText(summaryWriter);
