/**
 * JUnit XML, for CI systems that show test reports: a test suite per input file, a test case per
 * exchange, a failure for each exchange with errors (warnings go to the case's system-out), a skipped
 * case for each exchange that was not checked, and an errored case for each input error.
 *
 * Every exchange is listed only when the result kept them (`keepExchanges`); otherwise only exchanges
 * with findings are.
 */
import type { ExchangeRecord, Finding, LintResult } from '../lint/types';
import { xmlEscape } from '../xml';
import { entryLabel, errorPosition, exchangeTitle, groupByExchange, type ExchangeGroup } from './common';

const line = (f: Finding): string => `${f.direction} ${f.severity} ${f.code}: ${f.message}`;

interface Case {
  name: string;
  findings: Finding[];
  skipped?: string;
  error?: string;
}

/** Formats a lint result as a JUnit XML report. */
export function junit(result: LintResult): string {
  const groups = groupByExchange(result.findings);
  const byKey = new Map<string, ExchangeGroup>(groups.map((g) => [`${g.file}\n${g.entry}`, g]));
  const suites = new Map<string, Case[]>(result.files.map((f) => [f.file, []]));
  const caseOf = (r: ExchangeRecord | Finding): Case => ({
    name: `${entryLabel(r)} ${exchangeTitle(r)}`,
    findings: byKey.get(`${r.file}\n${r.entry}`)?.findings ?? [],
  });
  if (result.exchanges) {
    for (const r of result.exchanges) {
      const c = caseOf(r);
      if (r.skipped) c.skipped = `${r.skipped.reason}: ${r.skipped.detail}`;
      suites.get(r.file)?.push(c);
    }
  } else {
    for (const g of groups) {
      const first = g.findings[0];
      if (first) suites.get(g.file)?.push(caseOf(first));
    }
  }
  for (const e of result.inputErrors) {
    const where = errorPosition(e);
    suites.get(e.file)?.push({ name: `input${where ? ` ${where}` : ''}`, findings: [], error: e.message });
  }

  const body: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const [file, cases] of suites) {
    const f = cases.filter((c) => c.findings.some((x) => x.severity === 'error')).length;
    const e = cases.filter((c) => c.error !== undefined).length;
    const s = cases.filter((c) => c.skipped !== undefined).length;
    tests += cases.length;
    failures += f;
    errors += e;
    skipped += s;
    body.push(
      `  <testsuite name="${xmlEscape(file)}" tests="${cases.length}" failures="${f}" errors="${e}" skipped="${s}">`,
    );
    for (const c of cases) {
      const open = `    <testcase classname="${xmlEscape(file)}" name="${xmlEscape(c.name)}"`;
      const inner: string[] = [];
      const errs = c.findings.filter((x) => x.severity === 'error');
      const others = c.findings.filter((x) => x.severity !== 'error');
      if (errs[0]) {
        inner.push(
          `      <failure message="${xmlEscape(errs[0].message)}" type="${xmlEscape(errs[0].code)}">${xmlEscape(errs.map(line).join('\n'))}</failure>`,
        );
      }
      if (c.error !== undefined) inner.push(`      <error message="${xmlEscape(c.error)}" type="input"/>`);
      if (c.skipped !== undefined) inner.push(`      <skipped message="${xmlEscape(c.skipped)}"/>`);
      if (others.length > 0)
        inner.push(`      <system-out>${xmlEscape(others.map(line).join('\n'))}</system-out>`);
      body.push(inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`);
    }
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="obs-sse lint" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}
