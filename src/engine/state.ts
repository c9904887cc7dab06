import type { Diagnostic, Dialect, Scheme } from '../types';

const NONE: (string | undefined)[] = [];

/**
 * What one pass over a header map found, indexed by header slot. Slots 0..n-1 are the OBS spellings of the
 * catalogue's headers, n..2n-1 their S3 spellings; after the dialect is resolved, `bits`, `canon` and the
 * accessors speak of header indexes 0..n-1 in the chosen dialect.
 */
export class ScanState {
  /** Trimmed values by slot, as sent. */
  value: (string | undefined)[] = NONE;
  /** Lower-case names by slot, as sent. */
  name: (string | undefined)[] = NONE;
  /** Bit per slot: present. */
  present = 0;
  /** Bit per slot: repeated with different values. */
  conflicting = 0;
  /** Names that look like SSE headers but are not in the catalogue. */
  unknown: string[] | undefined;
  /** Names whose values had a type that cannot be a header value, with that type. */
  invalidType: [string, string][] | undefined;

  dialect: Dialect = 'obs';
  /** Offset of the chosen dialect's slots. */
  base = 0;
  /** Bit per header index: present in the chosen dialect. */
  sent = 0;
  /**
   * Bit per header index: present and taken by the operation in this direction. Cross-header checks read
   * this, so a header the table refuses is reported once, not again by every rule it touches.
   */
  bits = 0;
  /** Bit per header index: the value passed its cell's value check. */
  valid = 0;
  /** Values in OBS spelling (aws:kms read as kms), for valid headers. */
  canon: (string | undefined)[] = NONE;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly size: number,
    readonly scheme: Scheme | undefined,
    /** The request URL, when given: only the URL checks read it, and nothing quotes it. */
    readonly url?: string,
  ) {}

  /**
   * Allocates the slot arrays at their full size (preallocated, so V8 keeps them in fast elements mode), on the
   * first SSE header: most messages carry none.
   */
  allocate(): void {
    this.value = new Array<string | undefined>(this.size * 2);
    this.name = new Array<string | undefined>(this.size * 2);
    this.canon = new Array<string | undefined>(this.size);
  }

  /** The value of header `i` in the chosen dialect, as sent. */
  raw(i: number): string | undefined {
    return this.value[this.base + i];
  }

  /** The name of header `i` as sent, when present. */
  sentName(i: number): string | undefined {
    return this.name[this.base + i];
  }
}
