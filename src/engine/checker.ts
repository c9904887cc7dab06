import { CHECK_KINDS, type Check, type CompileContext } from '../checks';
import type { AppendPosition, Cell, HeaderDef, HeaderId, OperationDef, RuleSet } from '../rules/model';
import type {
  Diagnostic,
  Dialect,
  Direction,
  Operation,
  Provenance,
  Severity,
  ValidateOptions,
  ValidationResult,
} from '../types';
import { compileValueKind, type ValueTest } from '../values';
import { headerHint, suggestValue } from './did-you-mean';
import { checkSeverityOverrides } from './options';
import { type ReportContext, Reporter, type SeverityOverrides } from './report';
import { NameIndex, scanHeaders } from './scan';
import { ScanState } from './state';

export const DIRECTIONS: readonly Direction[] = ['request', 'response'];
const DIALECTS: readonly Dialect[] = ['obs', 's3'];

interface CompiledCell {
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

interface CompiledDirection {
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

function runUrlChecks(s: ScanState, c: CompiledDirection): void {
  for (const { check, reporter } of c.urlChecks) if (!check.test(s)) check.explain(s, reporter.report);
}

const ENGINE_PROVENANCE: Provenance[] = [
  { source: 'extension', note: 'Header maps are read against the header catalogue, rules/headers.json.' },
];

export interface CheckerOptions {
  /**
   * Per-code severity overrides, for example `{ 'sse-kms/project-id-unlisted': 'off' }`. An unknown code or
   * level is a TypeError that lists the valid ones.
   */
  severity?: SeverityOverrides;
}

/**
 * The rules compiled: header names indexed once, and value kinds and check kinds compiled per operation,
 * direction and dialect, each the first time it is judged. `validate` then does one pass over the headers and
 * runs the compiled checks.
 */
export class Checker {
  readonly operations: readonly Operation[];
  private readonly headers: readonly HeaderDef[];
  private readonly size: number;
  private readonly index: NameIndex;
  /** By operation, and for AppendObject also by which append it is (`AppendObject@later`). */
  private readonly compiled = new Map<string, Partial<Record<Direction, CompiledDirection>>>();
  private readonly names: Record<Dialect, string[]>;
  /** Per header: whether the S3 dialect has a spelling for it. */
  private readonly hasS3: readonly boolean[];
  private readonly equivalents: Record<Dialect, (readonly string[])[][]>;
  /** Per header, value spellings of the other dialect mapped into this one (aws:kms to kms for OBS). */
  private readonly translations: Record<Dialect, (ReadonlyMap<string, string> | undefined)[]>;
  private readonly ctx: CompileContext;
  private readonly reportCtx: ReportContext;
  /** Lower-case names of rules.foreignHeaders. */
  private readonly foreign: ReadonlySet<string>;

  constructor(
    readonly rules: RuleSet,
    options: CheckerOptions = {},
  ) {
    this.headers = rules.headers;
    const n = (this.size = rules.headers.length);
    if (n > 15)
      throw new Error(
        'the engine packs two dialects of header bits into one 32-bit mask: at most 15 headers',
      );
    const s3 = rules.s3.headers;
    this.hasS3 = rules.headers.map((h) => s3[h.id] !== undefined);
    this.names = {
      obs: rules.headers.map((h) => h.name.toLowerCase()),
      s3: rules.headers.map((h) => (s3[h.id]?.name ?? h.name).toLowerCase()),
    };
    const slots = new Map<string, number>();
    rules.headers.forEach((h, i) => {
      slots.set(h.name.toLowerCase(), i);
      const alt = s3[h.id];
      if (alt) slots.set(alt.name.toLowerCase(), n + i);
    });
    this.index = new NameIndex(slots, new RegExp(rules.sseLikePattern));
    this.equivalents = {
      obs: rules.headers.map((h) => h.equivalentValues ?? []),
      s3: rules.headers.map((h) => h.equivalentValues ?? []),
    };
    this.operations = rules.operations.map((o) => o.id);
    this.foreign = new Set(rules.foreignHeaders.map((f) => f.name));
    const valueMaps = rules.headers.map((h) => Object.entries(s3[h.id]?.values ?? {}));
    this.translations = {
      obs: valueMaps.map((m) => (m.length ? new Map(m.map(([o, a]) => [a, o])) : undefined)),
      s3: valueMaps.map((m) => (m.length ? new Map(m) : undefined)),
    };

    const ids = new Map(rules.headers.map((h, i) => [h.id, i]));
    const ctx: CompileContext = {
      index: (id: HeaderId) => ids.get(id)!,
      header: (i) => rules.headers[i]!,
      nameOf: (i, dialect) => this.names[dialect][i]!,
      spell: (i, value, dialect) =>
        dialect === 's3' ? (s3[rules.headers[i]!.id]?.values?.[value] ?? value) : value,
    };
    const secretSlots = rules.headers.flatMap((h, i) => (h.secret ? [i, n + i] : []));
    const reportCtx: ReportContext = {
      codes: rules.codes,
      headers: rules.headers,
      secretSlots,
      nameOf: ctx.nameOf,
      overrides: checkSeverityOverrides(options.severity, rules.codes),
    };

    this.ctx = ctx;
    this.reportCtx = reportCtx;
    // The engine's own codes must resolve now, not at the first message that needs one.
    for (const code of ENGINE_CODES)
      if (!rules.codes[code]) throw new Error(`unknown diagnostic code ${code}`);
  }

  /**
   * Compiles one operation (and append position) and direction, on first use: a process that judges one
   * kind of request compiles only that, where compiling every one was most of a cold start.
   */
  private compileDirection(
    op: OperationDef,
    position: AppendPosition | undefined,
    direction: Direction,
  ): CompiledDirection {
    const { rules, ctx, reportCtx } = this;
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
        return this.compileCell(h, cell, dialect, (code, sev) => reporter(code, cell.provenance, sev));
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
      ? [
          {
            source: 'seed' as const,
            table: op.seed.table,
            column: op.seed.column,
            note: 'This cell is "-".',
          },
        ]
      : (op.provenance ?? []);
    reporters.set('not-allowed', reporter('header/not-allowed', seed));
    for (const code of ['input/invalid-value', 'header/unknown', 'header/conflicting-values']) {
      reporters.set(code, reporter(code, ENGINE_PROVENANCE));
    }
    for (const f of rules.foreignHeaders) reporters.set(f.name, reporter(f.code, f.provenance));
    for (const code of ['dialect/mixed', 'dialect/mismatch'])
      reporters.set(code, reporter(code, rules.s3.provenance));
    const compiled: CompiledDirection = {
      operation: op,
      direction,
      cells,
      forbidden,
      takenBy,
      checks,
      urlChecks,
      reporters,
    };
    const key = compiledKey(op.id, position);
    if (!this.compiled.has(key)) this.compiled.set(key, {});
    this.compiled.get(key)![direction] = compiled;
    return compiled;
  }

  private compileCell(
    h: HeaderDef,
    cell: Cell,
    dialect: Dialect,
    reporter: (code: string, severity?: Severity) => Reporter,
  ): CompiledCell {
    const test = compileValueKind(h.valueKind, this.rules.valueKinds[h.valueKind]);
    const out: CompiledCell = { invalid: reporter(test?.code ?? 'value/not-allowed') };
    if (h.valueKind === 'enumeration') {
      const map = dialect === 's3' ? (this.rules.s3.headers[h.id]?.values ?? {}) : undefined;
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

  private compiledFor(operation: unknown, direction: unknown, position: unknown): CompiledDirection {
    if (position !== undefined && !(Number.isSafeInteger(position) && (position as number) >= 0)) {
      throw new TypeError(
        `obs-sse-rules: position must be a non-negative integer (AppendObject's ?position), not ${JSON.stringify(String(position).slice(0, 64))}`,
      );
    }
    const append =
      operation === 'AppendObject' && position !== undefined
        ? position === 0
          ? 'first'
          : 'later'
        : undefined;
    const entry = this.compiled.get(compiledKey(operation as Operation, append));
    // Compared, not indexed: a hostile direction such as "__proto__" must not reach a prototype.
    const c =
      direction === 'request' ? entry?.request : direction === 'response' ? entry?.response : undefined;
    if (c) return c;
    const op = this.rules.operations.find((o) => o.id === operation);
    if (op && (direction === 'request' || direction === 'response'))
      return this.compileDirection(op, append, direction);
    if (!op) {
      throw new TypeError(
        `obs-sse-rules: unknown operation ${JSON.stringify(String(operation).slice(0, 64))}; expected one of ${this.operations.join(', ')}`,
      );
    }
    throw new TypeError(
      `obs-sse-rules: unknown direction ${JSON.stringify(String(direction).slice(0, 64))}; expected request or response`,
    );
  }

  /** Checks one message's SSE headers. Throws TypeError only for an unknown operation, direction or dialect. */
  validate(options: ValidateOptions): ValidationResult {
    const c = this.compiledFor(options.operation, options.direction, options.position);
    const { headers, scheme, dialect = 'auto' } = options;
    if (dialect !== 'auto' && dialect !== 'obs' && dialect !== 's3') {
      throw new TypeError(
        `obs-sse-rules: unknown dialect ${JSON.stringify(String(dialect))}; expected obs, s3 or auto`,
      );
    }
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
      throw new TypeError(
        `obs-sse-rules: unknown scheme ${JSON.stringify(String(scheme))}; expected http or https`,
      );
    }
    if (headers === null || typeof headers !== 'object') {
      throw new TypeError(
        'obs-sse-rules: headers must be an object, a Headers, or an iterable of [name, value] pairs',
      );
    }
    const s = new ScanState(this.size, scheme, typeof options.url === 'string' ? options.url : undefined);
    const r = c.reporters;
    try {
      scanHeaders(headers, s, this.index);
    } catch (err) {
      // A throwing getter or iterator in a hostile map: report, keep what was read.
      r.get('input/invalid-value')!.report(s, {
        name: '(headers)',
        received: `unreadable (${(err as Error).name})`,
      });
    }
    if (s.invalidType) {
      for (const [name, type] of s.invalidType)
        r.get('input/invalid-value')!.report(s, { name, received: type });
    }
    if (s.unknown)
      for (const name of s.unknown) {
        // A known foreign header has its own code and message; the reporters map holds it under its name.
        const foreign = this.foreign.has(name) ? r.get(name) : undefined;
        if (foreign) foreign.report(s, { name });
        else
          r.get('header/unknown')!.report(s, {
            name,
            hint: headerHint(
              name,
              this.names,
              this.headers.map((h) => h.id in this.rules.s3.headers),
            ),
          });
      }
    if (s.present !== 0) {
      this.resolveDialect(s, dialect, r);
      this.checkCells(s, c);
      const sent = s.sent;
      for (const { check, reporter } of c.checks) {
        if (sent & check.triggers && !check.test(s)) check.explain(s, reporter.report);
      }
    } else if (dialect !== 'auto') {
      s.dialect = dialect;
    }
    if (s.url !== undefined) runUrlChecks(s, c);
    let valid = true;
    for (const d of s.diagnostics) if (d.severity === 'error') valid = false;
    return { valid, diagnostics: s.diagnostics, dialect: s.dialect };
  }

  /**
   * The URL checks alone, for a request that is none of the operations (a bucket sub-resource, say):
   * they do not depend on the operation, so their diagnostics carry none.
   */
  checkUrl(url: string): Diagnostic[] {
    const s = new ScanState(this.size, undefined, url);
    runUrlChecks(s, this.compiledFor(this.operations[0], 'request', undefined));
    for (const d of s.diagnostics) delete d.operation;
    return s.diagnostics;
  }

  private resolveDialect(s: ScanState, wanted: Dialect | 'auto', r: Map<string, Reporter>): void {
    const n = this.size;
    const all = (1 << n) - 1;
    const obs = s.present & all;
    const s3 = (s.present >>> n) & all;
    if (wanted === 'auto') s.dialect = s3 !== 0 && popcount(s3) > popcount(obs) ? 's3' : 'obs';
    else s.dialect = wanted;
    const other = s.dialect === 'obs' ? s3 : obs;
    if (other !== 0) {
      const code = wanted === 'auto' ? 'dialect/mixed' : 'dialect/mismatch';
      const otherBase = s.dialect === 'obs' ? n : 0;
      for (let i = 0; i < n; i++) {
        if (!(other & (1 << i))) continue;
        const hint = ` The ${label(s.dialect)} spelling is ${this.names[s.dialect][i]}.`;
        r.get(code)!.report(s, {
          name: s.name[otherBase + i]!,
          received: label(s.dialect === 'obs' ? 's3' : 'obs'),
          expected: [label(s.dialect)],
          hint: this.headers[i]!.id in this.rules.s3.headers ? hint : '',
        });
      }
    }
    s.base = s.dialect === 'obs' ? 0 : n;
    let chosen = s.dialect === 'obs' ? obs : s3;
    // The other dialect's headers still mean something: read them in the chosen dialect for the checks that
    // follow (names kept as sent), so a mixed message is not also reported for, say, a key id "without" the
    // kms it does carry. A header sent in both dialects keeps the chosen dialect's value.
    const moved = other & ~chosen;
    if (moved !== 0) {
      const otherBase = s.dialect === 'obs' ? n : 0;
      const values = this.translations[s.dialect];
      for (let i = 0; moved >>> i !== 0; i++) {
        if (!(moved & (1 << i))) continue;
        const v = s.value[otherBase + i]!;
        s.value[s.base + i] = values[i]?.get(v) ?? v;
        s.name[s.base + i] = s.name[otherBase + i];
      }
      chosen |= moved;
    }
    s.sent = s.bits = chosen;
    const conflicting = (s.conflicting >>> s.base) & all;
    for (let i = 0; conflicting >>> i !== 0; i++) {
      if (conflicting & (1 << i)) r.get('header/conflicting-values')!.report(s, { header: i });
    }
  }

  /** The table check: is each present header taken by this operation and direction, with an allowed value? */
  private checkCells(s: ScanState, c: CompiledDirection): void {
    const cells = c.cells[s.dialect];
    for (let i = 0; s.bits >>> i !== 0; i++) {
      if (!(s.bits & (1 << i))) continue;
      const cell = cells[i];
      if (!cell) {
        s.bits &= ~(1 << i);
        if (!(c.forbidden & (1 << i))) {
          const takers = c.takenBy[i];
          const hint = takers
            ? ` ${c.direction === 'request' ? 'Requests' : 'Responses'} of ${takers} take it.`
            : '';
          c.reporters.get('not-allowed')!.report(s, { header: i, hint });
        }
        continue;
      }
      const v = s.raw(i)!;
      if (cell.allowed) {
        const canon = cell.toCanon!.get(v);
        if (canon !== undefined) {
          s.valid |= 1 << i;
          s.canon[i] = canon;
        } else this.reportValue(s, c, i, v, cell);
      } else if (cell.test!.test(v)) {
        s.valid |= 1 << i;
        s.canon[i] = v;
      } else {
        cell.invalid.report(s, { header: i, reason: cell.test!.reason(v) });
      }
      cell.notice?.report(s, { header: i });
    }
  }

  private reportValue(s: ScanState, c: CompiledDirection, i: number, v: string, cell: CompiledCell): void {
    const allowed = cell.allowed!;
    const suggestion = suggestValue(v, allowed, this.equivalents[s.dialect][i]);
    let hint = '';
    if (suggestion) {
      hint = ` Did you mean ${suggestion.value}?`;
      if (suggestion.equivalent) hint += ` ${c.operation.id} ${c.direction}s spell this ${suggestion.value}.`;
    } else if (s.dialect === 's3') {
      const obsCell = c.cells.obs[i];
      const obsMatch = obsCell?.allowed && suggestValue(v, obsCell.allowed, this.equivalents.obs[i]);
      if (obsMatch) {
        hint = ` The S3 dialect has no spelling for it; the OBS dialect takes ${this.names.obs[i]}: ${obsMatch.value}.`;
      }
    }
    cell.invalid.report(s, { header: i, expected: [...allowed], hint });
  }
}

function compiledKey(operation: Operation, position: AppendPosition | undefined): string {
  return position === undefined ? operation : `${operation}@${position}`;
}

function label(d: Dialect): string {
  return d === 'obs' ? 'OBS' : 'S3';
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}
