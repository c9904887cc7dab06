/**
 * Compiling a rule set for the {@link import('./checker').Checker}: the catalogue's names, slots and
 * value spellings once per rule set ({@link compileCatalogue}), then per operation, direction and
 * dialect the table cells and check kinds ({@link compileDirection}), each the first time it is judged.
 * Nothing here runs per message.
 */
import { CHECK_KINDS, type Check, type CompileContext } from '../checks';
import type { AppendPosition, Cell, HeaderDef, HeaderId, OperationDef, RuleSet } from '../rules/model';
import type { Dialect, Direction, Provenance, Severity } from '../types';
import { compileValueKind, type ValueTest } from '../values';
import { NameCache } from './name-cache';
import { checkSeverityOverrides } from './options';
import { type ReportContext, Reporter, type SeverityOverrides } from './report';

export const DIALECTS: readonly Dialect[] = ['obs', 's3'];

export interface CompiledCell {
  /** Allowed values spelled in the cell's dialect, for enumerations. */
  allowed?: readonly string[];
  /** Dialect spelling to OBS spelling. */
  toCanon?: ReadonlyMap<string, string>;
  test?: ValueTest;
  /** Reports a value that fails the cell, with the cell's provenance. */
  invalid: Reporter;
  /** For cells listed with a non-error severity: reports that the header was sent at all. */
  notice?: Reporter;
}

/** One operation (and append position) and direction, compiled. */
export interface CompiledDirection {
  operation: OperationDef;
  direction: Direction;
  cells: Record<Dialect, (CompiledCell | undefined)[]>;
  /** Headers a `forbidden` rule reports, so the table check does not report them twice. */
  forbidden: number;
  takenBy: string[];
  checks: { check: Check; reporter: Reporter }[];
  /** Checks of the request URL, run whenever one is given. */
  urlChecks: { check: Check; reporter: Reporter }[];
  reporters: Map<string, Reporter>;
}

/** Codes the engine reports on its own, whatever the rules: every rule set's codes table must have them. */
const ENGINE_CODES = [
  'header/not-allowed',
  'input/invalid-value',
  'header/unknown',
  'header/conflicting-values',
  'dialect/mixed',
  'dialect/mismatch',
];

const ENGINE_PROVENANCE: Provenance[] = [
  { source: 'extension', note: 'Header maps are read against the header catalogue, rules/headers.json.' },
];

/** The rule set's catalogue compiled once: what every message's judging reads. */
export interface CompiledCatalogue {
  /** Lower-case names of each header, per dialect (the OBS name where S3 has none). */
  names: Record<Dialect, string[]>;
  /** Per header: whether the S3 dialect has a spelling for it. */
  hasS3: readonly boolean[];
  equivalents: Record<Dialect, (readonly string[])[][]>;
  /** Per header, value spellings of the other dialect mapped into this one (aws:kms to kms for OBS). */
  translations: Record<Dialect, (ReadonlyMap<string, string> | undefined)[]>;
  /** Lower-case names of rules.foreignHeaders. */
  foreign: ReadonlySet<string>;
  /** The checker's one name cache. */
  nameCache: NameCache;
  ctx: CompileContext;
  reportCtx: ReportContext;
}

/** Compiles what does not depend on the operation; throws for a rule set the engine cannot run. */
export function compileCatalogue(rules: RuleSet, severity: SeverityOverrides | undefined): CompiledCatalogue {
  const n = rules.headers.length;
  if (n > 15)
    throw new Error('the engine packs two dialects of header bits into one 32-bit mask: at most 15 headers');
  const s3 = rules.s3.headers;
  const names: Record<Dialect, string[]> = {
    obs: rules.headers.map((h) => h.name.toLowerCase()),
    s3: rules.headers.map((h) => (s3[h.id]?.name ?? h.name).toLowerCase()),
  };
  const slots = new Map<string, number>();
  rules.headers.forEach((h, i) => {
    slots.set(h.name.toLowerCase(), i);
    const alt = s3[h.id];
    if (alt) slots.set(alt.name.toLowerCase(), n + i);
  });
  const nameCache = new NameCache(
    slots,
    rules.headers.map((h) => h.id),
    new RegExp(rules.sseLikePattern),
  );
  const valueMaps = rules.headers.map((h) => Object.entries(s3[h.id]?.values ?? {}));
  const ids = new Map(rules.headers.map((h, i) => [h.id, i]));
  const ctx: CompileContext = {
    index: (id: HeaderId) => ids.get(id)!,
    header: (i) => rules.headers[i]!,
    nameOf: (i, dialect) => names[dialect][i]!,
    spell: (i, value, dialect) =>
      dialect === 's3' ? (s3[rules.headers[i]!.id]?.values?.[value] ?? value) : value,
  };
  const overrides = checkSeverityOverrides(severity, rules.codes);
  // The engine's own codes must resolve now, not at the first message that needs one.
  for (const code of ENGINE_CODES) if (!rules.codes[code]) throw new Error(`unknown diagnostic code ${code}`);
  return {
    names,
    hasS3: rules.headers.map((h) => s3[h.id] !== undefined),
    equivalents: {
      obs: rules.headers.map((h) => h.equivalentValues ?? []),
      s3: rules.headers.map((h) => h.equivalentValues ?? []),
    },
    translations: {
      obs: valueMaps.map((m) => (m.length ? new Map(m.map(([o, a]) => [a, o])) : undefined)),
      s3: valueMaps.map((m) => (m.length ? new Map(m) : undefined)),
    },
    foreign: new Set(rules.foreignHeaders.map((f) => f.name)),
    nameCache,
    ctx,
    reportCtx: {
      codes: rules.codes,
      headers: rules.headers,
      secretSlots: rules.headers.flatMap((h, i) => (h.secret ? [i, n + i] : [])),
      nameOf: ctx.nameOf,
      overrides,
    },
  };
}

function compileCell(
  rules: RuleSet,
  h: HeaderDef,
  cell: Cell,
  dialect: Dialect,
  reporter: (code: string, severity?: Severity) => Reporter,
): CompiledCell {
  const test = compileValueKind(h.valueKind, rules.valueKinds[h.valueKind]);
  const out: CompiledCell = { invalid: reporter(test?.code ?? 'value/not-allowed') };
  if (h.valueKind === 'enumeration') {
    const map = dialect === 's3' ? (rules.s3.headers[h.id]?.values ?? {}) : undefined;
    const pairs = (cell.values ?? []).flatMap((v) => {
      const spelled = map ? map[v] : v;
      return spelled === undefined ? [] : [[spelled, v] as const];
    });
    out.allowed = pairs.map(([spelled]) => spelled);
    out.toCanon = new Map(pairs);
  } else {
    out.test = test;
  }
  if (cell.code && cell.severity) out.notice = reporter(cell.code, cell.severity);
  return out;
}

/**
 * Compiles one operation (and append position) and direction: a process that judges one kind of request
 * compiles only that, where compiling every one was most of a cold start.
 */
export function compileDirection(
  rules: RuleSet,
  catalogue: CompiledCatalogue,
  op: OperationDef,
  position: AppendPosition | undefined,
  direction: Direction,
): CompiledDirection {
  const { ctx, reportCtx } = catalogue;
  const s3 = rules.s3.headers;
  const reporters = new Map<string, Reporter>();
  // Shared per provenance array of the rule set, not per its JSON text: stringifying every provenance
  // took a tenth of a cold start.
  const shared = new Map<Provenance[], Map<string, Reporter>>();
  const reporter = (code: string, provenance: Provenance[], severity?: Severity): Reporter => {
    let byCode = shared.get(provenance);
    if (!byCode) shared.set(provenance, (byCode = new Map()));
    const key = `${code} ${severity ?? ''}`;
    let r = byCode.get(key);
    if (!r) byCode.set(key, (r = new Reporter(reportCtx, code, provenance, op.id, direction, severity)));
    return r;
  };
  const table = op[direction];
  const cells = {} as Record<Dialect, (CompiledCell | undefined)[]>;
  for (const dialect of DIALECTS) {
    cells[dialect] = rules.headers.map((h) => {
      const cell = table[h.id];
      if (!cell || (dialect === 's3' && !s3[h.id])) return undefined;
      return compileCell(rules, h, cell, dialect, (code, sev) => reporter(code, cell.provenance, sev));
    });
  }
  const checks: CompiledDirection['checks'] = [];
  const urlChecks: CompiledDirection['checks'] = [];
  let forbidden = 0;
  for (const rule of rules.rules) {
    if (!rule.directions.includes(direction) || (rule.operations && !rule.operations.includes(op.id)))
      continue;
    // Rules about one append apply only where the position says which append this is.
    if (rule.appendPosition !== undefined && rule.appendPosition !== position) continue;
    const kind = CHECK_KINDS.get(rule.kind);
    // loadRuleSet has checked kinds and their options against each kind's schema.
    if (!kind) {
      throw new Error(
        `${rule.file}: rule "${rule.id}" names check kind "${rule.kind}"; known kinds: ${[...CHECK_KINDS.keys()].join(', ')}`,
      );
    }
    const r = reporter(rule.code, rule.provenance, rule.severity);
    if (r.severity === 'off') continue;
    if (rule.kind === 'forbidden') {
      for (const id of (rule.options as { headers: HeaderId[] }).headers) forbidden |= 1 << ctx.index(id);
    }
    const check = kind.compile(rule.options as never, ctx);
    (check.url ? urlChecks : checks).push({ check, reporter: r });
  }
  const takenBy = rules.headers.map((h) =>
    rules.operations
      .filter((o) => o[direction][h.id])
      .map((o) => o.id)
      .join(', '),
  );
  // Register the table's own codes up front so their severities resolve once.
  const seed = op.seed
    ? [{ source: 'seed' as const, table: op.seed.table, column: op.seed.column, note: 'This cell is "-".' }]
    : (op.provenance ?? []);
  reporters.set('not-allowed', reporter('header/not-allowed', seed));
  for (const code of ['input/invalid-value', 'header/unknown', 'header/conflicting-values']) {
    reporters.set(code, reporter(code, ENGINE_PROVENANCE));
  }
  for (const f of rules.foreignHeaders) reporters.set(f.name, reporter(f.code, f.provenance));
  for (const code of ['dialect/mixed', 'dialect/mismatch'])
    reporters.set(code, reporter(code, rules.s3.provenance));
  return { operation: op, direction, cells, forbidden, takenBy, checks, urlChecks, reporters };
}
