import type { HeaderDef, HeaderId } from '../rules/model';
import type { Dialect } from '../types';
import type { ScanState } from '../engine/state';

/** What a check tells the reporter; the reporter turns it into a Diagnostic with the rule's code and provenance. */
export interface ReportInput {
  /** Index of the header at fault. */
  header?: number;
  /** Index of a second header the message names. */
  other?: number;
  /** Values that would be right, already spelled in the message's dialect. */
  expected?: string[];
  /** A safe rendering of what was received; the reporter never fills it from a secret header. */
  received?: string;
  /** Why a value fails its kind, from the value kind's explainer (safe for secret headers). */
  reason?: string;
  hint?: string;
  /** The header name as sent, for findings about names outside the catalogue. */
  name?: string;
}

export type Report = (state: ScanState, input: ReportInput) => void;

export interface CompileContext {
  /** Bit position of a header id. */
  index(id: HeaderId): number;
  header(index: number): HeaderDef;
  /** Lower-case name of a header in a dialect (its OBS name where the dialect has none). */
  nameOf(index: number, dialect: Dialect): string;
  /** Spell an OBS value in a dialect (kms becomes aws:kms in S3). */
  spell(index: number, value: string, dialect: Dialect): string;
}

/** A compiled check: `test` is the fast path; `explain` runs only when `test` fails. */
export interface Check {
  /**
   * Header bits whose presence can make `test` fail: with none of them sent, `test` must return true, and
   * the engine skips the check. (A future kind that fires on absence would declare every bit.)
   */
  triggers: number;
  /**
   * The check reads the request URL ({@link ScanState.url}) rather than headers: the engine runs it
   * whenever a URL is given, with or without SSE headers, and never without one.
   */
  url?: boolean;
  test(state: ScanState): boolean;
  explain(state: ScanState, report: Report): void;
}

/** A check kind: the schema of its options in rule data, and how to compile a rule of that kind. */
export interface CheckKind<Options> {
  kind: string;
  optionsSchema: object;
  compile(options: Options, ctx: CompileContext): Check;
}

export const headerIdSchema = {
  enum: [
    'sse',
    'data',
    'kmsKey',
    'project',
    'bucketKey',
    'cAlg',
    'cKey',
    'cMd5',
    'srcAlg',
    'srcKey',
    'srcMd5',
  ],
} as const;

/** A header, optionally restricted to some of its values (in OBS spelling). */
export interface HeaderCondition {
  header: HeaderId;
  values?: string[];
}

export const headerConditionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['header'],
  properties: {
    header: headerIdSchema,
    values: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
  },
} as const;

/** Bit mask of a list of header ids. */
export function maskOf(ids: readonly HeaderId[], ctx: CompileContext): number {
  let mask = 0;
  for (const id of ids) mask |= 1 << ctx.index(id);
  return mask;
}

/** Indexes of the set bits of `mask`, lowest first. */
export function indexesOf(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; mask >>> i !== 0; i++) if (mask & (1 << i)) out.push(i);
  return out;
}
