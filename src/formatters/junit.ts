/**
 * JUnit XML, for CI systems that show test reports: a test suite per input file, a test case per
 * exchange, a failure for each exchange with errors (warnings go to the case's system-out), a skipped
 * case for each exchange that was not checked, and an errored case for each input error.
 *
 * Every exchange is listed only when the run kept them (`keepExchanges`, as the CLI does for this
 * format); otherwise only exchanges with findings are. The suites' totals are attributes of their
 * opening tags, so the test cases are spooled to a temporary file (./spool.ts) and copied out behind
 * the totals at the end.
 */
import type { FileSummary, Finding, InputError, ReportedExchange } from '../lint/types';
import { xmlEscape } from '../xml';
import { entryLabel, errorPosition, exchangeTitle } from './common';
import { toText } from './replay';
import { Spool } from './spool';
import type { ReportWriter, TextOut } from './types';

const line = (f: Finding): string => `${f.direction} ${f.severity} ${f.code}: ${f.message}`;

interface SuiteTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

interface Suite extends SuiteTotals {
  file: string;
  /** The opening of its test cases, `<testcase classname="file"`, escaped once. */
  open: string;
  /** Byte range of its test cases in the spool. */
  start: number;
  end: number;
}

const zero = (): SuiteTotals => ({ tests: 0, failures: 0, errors: 0, skipped: 0 });
const totalsAttrs = (t: SuiteTotals): string =>
  `tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}"`;

function caseXml(s: Suite, name: string, inner: string[]): string {
  const open = `${s.open} name="${xmlEscape(name)}"`;
  return inner.length === 0 ? `${open}/>\n` : `${open}>\n${inner.join('\n')}\n    </testcase>\n`;
}

/** JUnit XML, written as the run goes (through a spool). */
export function junitWriter(out: TextOut): ReportWriter {
  const spool = new Spool();
  const suites: Suite[] = [];
  let current: Suite | undefined;
  let errorsOfFile: InputError[] = [];
  const suite = (file: string): Suite => {
    if (!current) {
      const at = spool.offset();
      current = { file, open: `    <testcase classname="${xmlEscape(file)}"`, ...zero(), start: at, end: at };
      suites.push(current);
    }
    return current;
  };
  return {
    exchange(x: ReportedExchange) {
      const s = suite(x.file);
      const inner: string[] = [];
      const errs = x.findings.filter((f) => f.severity === 'error');
      const others = x.findings.filter((f) => f.severity !== 'error');
      if (errs[0]) {
        inner.push(
          `      <failure message="${xmlEscape(errs[0].message)}" type="${xmlEscape(errs[0].code)}">${xmlEscape(errs.map(line).join('\n'))}</failure>`,
        );
        s.failures++;
      }
      if (x.skipped) {
        inner.push(`      <skipped message="${xmlEscape(`${x.skipped.reason}: ${x.skipped.detail}`)}"/>`);
        s.skipped++;
      }
      if (others.length > 0)
        inner.push(`      <system-out>${xmlEscape(others.map(line).join('\n'))}</system-out>`);
      s.tests++;
      spool.write(caseXml(s, `${entryLabel(x)} ${exchangeTitle(x)}`, inner));
    },
    inputError(e) {
      errorsOfFile.push(e);
    },
    fileDone(f: FileSummary) {
      const s = suite(f.file);
      // Input errors close their suite, as one errored case each.
      for (const e of errorsOfFile) {
        const where = errorPosition(e);
        s.tests++;
        s.errors++;
        spool.write(
          caseXml(s, `input${where ? ` ${where}` : ''}`, [
            `      <error message="${xmlEscape(e.message)}" type="input"/>`,
          ]),
        );
      }
      errorsOfFile = [];
      s.end = spool.offset();
      current = undefined;
    },
    end() {
      try {
        const all = zero();
        for (const s of suites) {
          all.tests += s.tests;
          all.failures += s.failures;
          all.errors += s.errors;
          all.skipped += s.skipped;
        }
        out.write(
          `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="obs-sse lint" ${totalsAttrs(all)}>\n`,
        );
        for (const s of suites) {
          out.write(`  <testsuite name="${xmlEscape(s.file)}" ${totalsAttrs(s)}>\n`);
          spool.copyTo(out, s.start, s.end);
          out.write('  </testsuite>\n');
        }
        out.write('</testsuites>\n');
      } finally {
        spool.close();
      }
    },
  };
}

/** Formats a lint result as a JUnit XML report. */
export const junit = toText(junitWriter);
