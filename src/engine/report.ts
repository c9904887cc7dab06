import type { DiagnosticCode } from '../../generated/types';
import type { ReportInput } from '../checks/types';
import type { CodeDef, HeaderDef } from '../rules/model';
import type { Diagnostic, Direction, Operation, Provenance, Severity } from '../types';
import type { ScanState } from './state';

/**
 * Per-code severity overrides; `off` drops the code. Keys are the codes of rules/codes.json; a checker of
 * another rule set takes its own codes (type them with the `C` parameter).
 */
export type SeverityOverrides<C extends string = DiagnosticCode> = Readonly<
  Partial<Record<C, Severity | 'off'>>
>;

// A run long enough to hold a 256-bit key in base64 (43 characters, URL-safe or not) or hex, anywhere in a
// value, is treated as a secret even outside the key headers: keys pasted into the wrong header must not leak.
const KEY_LIKE = /[A-Za-z0-9+/_-]{43}/;
const MAX_SHOWN = 64;

function shorten(v: string): string {
  return v.length <= MAX_SHOWN
    ? JSON.stringify(v)
    : `${JSON.stringify(v.slice(0, 32))}… (${v.length} characters)`;
}

/** Shortens a header name for messages (hostile inputs may send megabyte names). */
export function shortName(name: string): string {
  return name.length <= 128 ? name : `${name.slice(0, 64)}… (${name.length} characters)`;
}

function joinList(values: readonly string[], conjunction: 'or' | 'and'): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} ${conjunction} ${values[values.length - 1]!}`;
}

/** Renders a message template; `{name}` placeholders are filled from `params`, missing ones left empty. */
export function renderMessage(
  template: string,
  params: Readonly<Record<string, string | undefined>>,
): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => params[key] ?? '');
}

/** What every reporter of a checker shares. */
export interface ReportContext {
  codes: Readonly<Record<string, CodeDef>>;
  headers: readonly HeaderDef[];
  /** Slots (both dialects) of the secret headers. */
  secretSlots: readonly number[];
  nameOf(index: number, dialect: 'obs' | 's3'): string;
  overrides: Readonly<Record<string, Severity | 'off' | undefined>> | undefined;
}

/**
 * Builds diagnostics for one code. All message text comes from the codes table through `renderMessage`,
 * and values reach it only through `received`, which is never read from a secret header.
 */
export class Reporter {
  readonly severity: Severity | 'off';
  private readonly template: string;

  constructor(
    private readonly ctx: ReportContext,
    readonly code: string,
    private readonly provenance: Provenance[],
    readonly operation: Operation,
    readonly direction: Direction,
    severity?: Severity,
  ) {
    const def = ctx.codes[code];
    if (!def) throw new Error(`unknown diagnostic code ${code}`);
    this.severity = ctx.overrides?.[code] ?? severity ?? def.severity;
    this.template = def.message;
  }

  /** The received value of header `i`, safe to print: absent for secrets, redacted when it looks like one. */
  private received(s: ScanState, i: number): string | undefined {
    if (this.ctx.headers[i]!.secret) return undefined;
    const v = s.raw(i);
    if (v === undefined) return undefined;
    if (KEY_LIKE.test(v)) return '[redacted: may contain a customer key]';
    for (const slot of this.ctx.secretSlots) {
      const secret = s.value[slot];
      if (secret && secret.length >= 8 && v.includes(secret)) return '[redacted: contains a customer key]';
    }
    return shorten(v);
  }

  readonly report = (s: ScanState, input: ReportInput): void => {
    if (this.severity === 'off') return;
    const i = input.header;
    const nameOf = (index: number) => s.sentName(index) ?? this.ctx.nameOf(index, s.dialect);
    const header = input.name !== undefined ? shortName(input.name) : i === undefined ? undefined : nameOf(i);
    const other = input.other === undefined ? undefined : nameOf(input.other);
    const received = input.received ?? (i === undefined ? undefined : this.received(s, i));
    const d: Diagnostic = {
      code: this.code,
      severity: this.severity,
      message: renderMessage(this.template, {
        header,
        other,
        operation: this.operation,
        direction: this.direction,
        expected: input.expected && joinList(input.expected, 'or'),
        expectedAll: input.expected && joinList(input.expected, 'and'),
        received,
        reason: input.reason,
        hint: input.hint,
      }),
      operation: this.operation,
      direction: this.direction,
      provenance: this.provenance,
    };
    if (header !== undefined) d.header = header;
    if (input.expected) d.expected = input.expected;
    if (received !== undefined) d.received = received;
    s.diagnostics.push(d);
  };
}
