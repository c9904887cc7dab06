/**
 * The diagnostic codes as `obs-sse rules`, `obs-sse explain` and the SARIF rule list present them:
 * the codes table of rules/codes.json plus where each code comes from.
 */
import { getChecker } from '../engine/default';
import { INSPECT_PROVENANCE, type InspectCode } from '../inspect';
import type { CodeDef } from '../rules/model';
import type { Diagnostic, Provenance } from '../types';

/** One code with its documentation and provenance. */
export interface CodeInfo extends CodeDef {
  code: string;
  /** Every distinct provenance of the rules, table cells and exchange checks that raise the code. */
  provenance: Provenance[];
  /** What the code's invalid example yields from the engine (empty for exchange-level codes). */
  exampleDiagnostics: Diagnostic[];
}

let catalogue: CodeInfo[] | undefined;

/**
 * Every code of rules/codes.json, in file order. Provenance is gathered from the rules that use the
 * code, the table cells that name it, the exchange-level checks, and the diagnostics its invalid example
 * yields (which is how the table codes, raised by every cell, get one concrete source).
 */
export function codeCatalogue(): readonly CodeInfo[] {
  if (catalogue) return catalogue;
  const checker = getChecker();
  const { codes, rules, operations } = checker.rules;
  catalogue = Object.entries(codes).map(([code, def]) => {
    const seen = new Set<string>();
    const provenance: Provenance[] = [];
    const add = (list: readonly Provenance[] | undefined): void => {
      for (const p of list ?? []) {
        const key = JSON.stringify(p);
        if (seen.has(key)) continue;
        seen.add(key);
        provenance.push(p);
      }
    };
    for (const r of rules) if (r.code === code) add(r.provenance);
    for (const op of operations) {
      for (const cell of [...Object.values(op.request), ...Object.values(op.response)]) {
        if (cell.code === code) add(cell.provenance);
      }
    }
    add(INSPECT_PROVENANCE[code as InspectCode]);
    const exampleDiagnostics = def.examples.invalid
      ? checker.validate(def.examples.invalid).diagnostics.filter((d) => d.code === code)
      : [];
    for (const d of exampleDiagnostics) add(d.provenance);
    return { code, ...def, provenance, exampleDiagnostics };
  });
  return catalogue;
}

/** A short form of a provenance list: `seed table 1, per-API fact 7, extension`. */
export function provenanceSummary(list: readonly Provenance[]): string {
  const parts: string[] = [];
  for (const p of list) {
    const s =
      p.source === 'seed'
        ? `seed${p.table === undefined ? '' : ` table ${p.table}`}`
        : p.source === 'per-API'
          ? `per-API${p.fact === undefined ? '' : ` fact ${p.fact}`}${p.page === undefined ? '' : ` ${pageName(p.page)}`}`
          : p.source === 'sdk'
            ? 'SDK source'
            : 'extension';
    if (!parts.includes(s)) parts.push(s);
  }
  return parts.join(', ');
}

/** The page's own name, without the table or the translation: `合并段` of `合并段 (CompleteMultipartUpload), Table 3`. */
function pageName(page: string): string {
  return page.split(/[ ,(]/, 1)[0]!;
}

/** One provenance in full, for `obs-sse explain`. */
export function describeProvenance(p: Provenance): string {
  const where =
    p.source === 'seed'
      ? [`seed table ${p.table ?? '?'}`, p.header && `row ${p.header}`, p.column && `column "${p.column}"`]
      : p.source === 'per-API'
        ? [`OBS per-API reference${p.fact === undefined ? '' : `, cross-header fact ${p.fact}`}`, p.page]
        : p.source === 'sdk'
          ? [`official SDK source, ${p.ref ?? '?'}`]
          : [`project extension${p.fact === undefined ? '' : `, cross-header fact ${p.fact}`}`];
  const head = where.filter(Boolean).join(', ');
  return p.note ? `${head}: ${p.note}` : head;
}
