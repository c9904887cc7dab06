import type { AppendPosition, HeaderDef, OperationDef, RuleSet } from '../rules/model';
import type { Diagnostic, Dialect, Direction, Operation, ValidateOptions, ValidationResult } from '../types';
import {
  type CompiledCatalogue,
  type CompiledCell,
  type CompiledDirection,
  compileCatalogue,
  compileDirection,
} from './compile';
import { headerHint, suggestValue } from './did-you-mean';
import type { NameCache } from './name-cache';
import type { Reporter, SeverityOverrides } from './report';
import { scanHeaders } from './scan';
import { ScanState } from './state';

export const DIRECTIONS: readonly Direction[] = ['request', 'response'];

function runUrlChecks(s: ScanState, c: CompiledDirection): void {
  for (const { check, reporter } of c.urlChecks) if (!check.test(s)) check.explain(s, reporter.report);
}

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
  /**
   * The one cache of header names (engine/name-cache.ts): the engine's scan reads it, and so does
   * everything around the engine that reads header names (inspect/, the guard's redaction).
   */
  readonly names: NameCache;
  private readonly headers: readonly HeaderDef[];
  private readonly size: number;
  private readonly catalogue: CompiledCatalogue;
  /** By operation, and for AppendObject also by which append it is (`AppendObject@later`). */
  private readonly compiled = new Map<string, Partial<Record<Direction, CompiledDirection>>>();

  constructor(
    readonly rules: RuleSet,
    options: CheckerOptions = {},
  ) {
    this.headers = rules.headers;
    this.size = rules.headers.length;
    this.catalogue = compileCatalogue(rules, options.severity);
    this.names = this.catalogue.nameCache;
    this.operations = rules.operations.map((o) => o.id);
  }

  /** Compiles one operation (and append position) and direction on first use, and keeps it. */
  private compileDirection(
    op: OperationDef,
    position: AppendPosition | undefined,
    direction: Direction,
  ): CompiledDirection {
    const compiled = compileDirection(this.rules, this.catalogue, op, position, direction);
    const key = compiledKey(op.id, position);
    if (!this.compiled.has(key)) this.compiled.set(key, {});
    this.compiled.get(key)![direction] = compiled;
    return compiled;
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
      scanHeaders(headers, s, this.names);
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
        const foreign = this.catalogue.foreign.has(name) ? r.get(name) : undefined;
        if (foreign) foreign.report(s, { name });
        else
          r.get('header/unknown')!.report(s, {
            name,
            hint: headerHint(name, this.catalogue.names, this.catalogue.hasS3),
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
        const hint = ` The ${label(s.dialect)} spelling is ${this.catalogue.names[s.dialect][i]}.`;
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
      const values = this.catalogue.translations[s.dialect];
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
    const suggestion = suggestValue(v, allowed, this.catalogue.equivalents[s.dialect][i]);
    let hint = '';
    if (suggestion) {
      hint = ` Did you mean ${suggestion.value}?`;
      if (suggestion.equivalent) hint += ` ${c.operation.id} ${c.direction}s spell this ${suggestion.value}.`;
    } else if (s.dialect === 's3') {
      const obsCell = c.cells.obs[i];
      const obsMatch =
        obsCell?.allowed && suggestValue(v, obsCell.allowed, this.catalogue.equivalents.obs[i]);
      if (obsMatch) {
        hint = ` The S3 dialect has no spelling for it; the OBS dialect takes ${this.catalogue.names.obs[i]}: ${obsMatch.value}.`;
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
