/**
 * The human format: findings grouped by file and exchange (`METHOD URL (Operation)`), one line per
 * diagnostic, input errors under their file, a summary line, and what each code found means.
 */
import { codeCatalogue } from '../lint/codes';
import type { LintResult } from '../lint/types';
import type { Severity } from '../types';
import { entryLabel, errorPosition, exchangeTitle, groupByExchange, summaryLine } from './common';
import type { FormatOptions } from './types';

type Style = (s: string) => string;

const ansi =
  (open: number, close: number): Style =>
  (s) =>
    `\u001b[${open}m${s}\u001b[${close}m`;
const plain: Style = (s) => s;

interface Palette {
  error: Style;
  warning: Style;
  info: Style;
  dim: Style;
  bold: Style;
  file: Style;
  ok: Style;
}

const COLOURS: Palette = {
  error: ansi(31, 39),
  warning: ansi(33, 39),
  info: ansi(36, 39),
  dim: ansi(2, 22),
  bold: ansi(1, 22),
  file: ansi(4, 24),
  ok: ansi(32, 39),
};
const NONE: Palette = {
  error: plain,
  warning: plain,
  info: plain,
  dim: plain,
  bold: plain,
  file: plain,
  ok: plain,
};

const SEVERITY_WIDTH = 7;

/** Formats a lint result for a terminal; colour only when `options.color` is true. */
export function stylish(result: LintResult, options: FormatOptions = {}): string {
  const c = options.color ? COLOURS : NONE;
  const sev = (s: Severity): string => c[s](s.padEnd(SEVERITY_WIDTH));
  const codeWidth = Math.min(34, Math.max(0, ...result.findings.map((f) => f.code.length)));
  const out: string[] = [];
  const groups = groupByExchange(result.findings);
  const files = [...new Set([...groups.map((g) => g.file), ...result.inputErrors.map((e) => e.file)])];
  for (const file of files) {
    out.push(c.file(file));
    for (const g of groups) {
      if (g.file !== file) continue;
      const first = g.findings[0];
      if (!first) continue;
      out.push(`  ${c.dim(entryLabel(first))}  ${exchangeTitle(first)}`);
      for (const f of g.findings) {
        out.push(
          `    ${f.direction.padEnd(8)} ${sev(f.severity)} ${c.dim(f.code.padEnd(codeWidth))}  ${f.message}`,
        );
      }
    }
    for (const e of result.inputErrors) {
      if (e.file !== file) continue;
      const where = errorPosition(e);
      out.push(
        `  ${where ? `${c.dim(where)}  ` : ''}${sev('error')} ${c.dim('input'.padEnd(codeWidth))}  ${e.message}`,
      );
    }
    out.push('');
  }
  const s = result.summary;
  const line = summaryLine(result);
  if (s.errors + s.warnings + s.infos + s.inputErrors === 0) out.push(c.ok(`✔ ${line}`));
  else out.push(c.bold((s.errors || s.inputErrors ? c.error : s.warnings ? c.warning : c.info)(`✖ ${line}`)));

  const found = new Set(result.findings.map((f) => f.code));
  if (found.size > 0) {
    out.push('', 'What the codes mean:');
    const width = Math.max(...[...found].map((code) => code.length));
    for (const info of codeCatalogue()) {
      if (found.has(info.code)) out.push(`  ${c.dim(info.code.padEnd(width))}  ${info.summary}`);
    }
    out.push('Run `obs-sse explain <code>` for the rule, where it comes from, and examples.');
  }
  return `${out.join('\n')}\n`;
}
