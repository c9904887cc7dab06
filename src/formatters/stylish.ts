/**
 * The human format: findings grouped by file and exchange (`METHOD URL (Operation)`), one line per
 * diagnostic, input errors under their file, a summary line, and what each code found means.
 */
import { codeCatalogue } from '../lint/codes';
import type { InputError, ReportedExchange } from '../lint/types';
import type { Severity } from '../types';
import { entryLabel, errorPosition, exchangeTitle, summaryLine } from './common';
import { toText } from './replay';
import type { FormatOptions, ReportWriter, TextOut } from './types';

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

type Held = { x: ReportedExchange } | { file: string; errors: InputError[] };

/** Findings whose code width sets the column: the first this many, then the column stays. */
const WIDTH_SAMPLE = 1000;

/**
 * The stylish format, written as the run goes. The code column is as wide as the longest code among
 * the first {@link WIDTH_SAMPLE} findings (those are held back until then), so short reports look as
 * they always did and long ones need not be held.
 */
export function stylishWriter(out: TextOut, options: FormatOptions = {}): ReportWriter {
  const c = options.color ? COLOURS : NONE;
  const sev = (s: Severity): string => c[s](s.padEnd(SEVERITY_WIDTH));
  /** What arrived before the code column's width was settled, in order. */
  let held: Held[] | undefined = [];
  let heldFindings = 0;
  let codeWidth = 0;
  let fileShown: string | undefined;
  let errorsOfFile: InputError[] = [];
  const found = new Set<string>();

  const fileHeader = (file: string): void => {
    if (fileShown === file) return;
    fileShown = file;
    out.write(`${c.file(file)}\n`);
  };
  const write = (x: ReportedExchange): void => {
    const first = x.findings[0];
    if (!first) return;
    fileHeader(x.file);
    const lines = [`  ${c.dim(entryLabel(first))}  ${exchangeTitle(first)}`];
    for (const f of x.findings) {
      found.add(f.code);
      lines.push(
        `    ${f.direction.padEnd(8)} ${sev(f.severity)} ${c.dim(f.code.padEnd(codeWidth))}  ${f.message}`,
      );
    }
    out.write(`${lines.join('\n')}\n`);
  };
  /** A file's input errors, under its findings, and the blank line that ends it. */
  const finishFile = (file: string, errors: readonly InputError[]): void => {
    if (errors.length > 0) fileHeader(file);
    for (const e of errors) {
      const where = errorPosition(e);
      out.write(
        `  ${where ? `${c.dim(where)}  ` : ''}${sev('error')} ${c.dim('input'.padEnd(codeWidth))}  ${e.message}\n`,
      );
    }
    if (fileShown === file) out.write('\n');
  };
  const release = (): void => {
    if (!held) return;
    const all = held;
    held = undefined;
    for (const h of all) {
      if ('x' in h) write(h.x);
      else finishFile(h.file, h.errors);
    }
  };

  return {
    exchange(x) {
      if (x.findings.length === 0) return;
      if (!held) return write(x);
      held.push({ x });
      heldFindings += x.findings.length;
      for (const f of x.findings) codeWidth = Math.min(34, Math.max(codeWidth, f.code.length));
      if (heldFindings >= WIDTH_SAMPLE) release();
    },
    inputError(e) {
      errorsOfFile.push(e);
    },
    fileDone(f) {
      const errors = errorsOfFile;
      errorsOfFile = [];
      if (held) held.push({ file: f.file, errors });
      else finishFile(f.file, errors);
    },
    end(outcome) {
      release();
      const s = outcome.summary;
      const line = summaryLine(outcome);
      const lines: string[] = [];
      if (s.errors + s.warnings + s.infos + s.inputErrors === 0) lines.push(c.ok(`✔ ${line}`));
      else
        lines.push(
          c.bold((s.errors || s.inputErrors ? c.error : s.warnings ? c.warning : c.info)(`✖ ${line}`)),
        );
      if (found.size > 0) {
        lines.push('', 'What the codes mean:');
        const width = Math.max(...[...found].map((code) => code.length));
        for (const info of codeCatalogue()) {
          if (found.has(info.code)) lines.push(`  ${c.dim(info.code.padEnd(width))}  ${info.summary}`);
        }
        lines.push('Run `obs-sse explain <code>` for the rule, where it comes from, and examples.');
      }
      out.write(`${lines.join('\n')}\n`);
    },
  };
}

/** Formats a lint result for a terminal; colour only when `options.color` is true. */
export const stylish = toText(stylishWriter);
