import type { HeaderInput } from '../types';
import { type HeaderVisitor, SKIP, walkHeaders } from './header-shapes';
import type { NameCache } from './name-cache';
import type { ScanState } from './state';

function store(s: ScanState, slot: number, name: string, raw: string): void {
  let v = raw.trim();
  // node:http and fetch join repeated headers with ", "; SSE values never contain commas, so split them back.
  if (v.includes(',')) {
    const parts = v.split(',');
    v = parts[0]!.trim();
    for (let i = 1; i < parts.length; i++) if (parts[i]!.trim() !== v) s.conflicting |= 1 << slot;
  }
  const bit = 1 << slot;
  if (s.present === 0) s.allocate();
  if (s.present & bit) {
    if (s.value[slot] !== v) s.conflicting |= bit;
    return;
  }
  s.present |= bit;
  s.value[slot] = v;
  s.name[slot] = name;
}

function invalid(s: ScanState, name: string, type: string): void {
  (s.invalidType ??= []).push([name, type]);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'nested array' : typeof v;
}

/** `name` is the lower-case name; `slot` a catalogue slot or UNKNOWN. */
function addAt(s: ScanState, slot: number, name: string, value: unknown): void {
  // The only negative slot that reaches here: IGNORED names are skipped by the walker.
  if (slot < 0) {
    (s.unknown ??= []).push(name);
    return;
  }
  if (typeof value === 'string') store(s, slot, name, value);
  else if (typeof value === 'number') store(s, slot, name, String(value));
  else if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (typeof item === 'string' || typeof item === 'number') store(s, slot, name, String(item));
      else invalid(s, name, typeName(item));
    }
  } else if (value !== undefined && value !== null) invalid(s, name, typeName(value));
}

/**
 * The engine's reading of each entry: names through the checker's name cache, values of catalogue and
 * SSE-looking names only, anything that cannot be a header reported as `input/invalid-value`.
 */
class ScanVisitor implements HeaderVisitor<ScanState> {
  constructor(private readonly names: NameCache) {}

  name(s: ScanState, name: unknown): number {
    if (typeof name === 'string') return this.names.slotOf(name);
    if (name !== undefined) invalid(s, String(name).slice(0, 128), 'a non-string name');
    return SKIP;
  }

  entry(s: ScanState, name: unknown, value: unknown, slot: number): void {
    addAt(s, slot, this.names.lowerName(slot, name as string), value);
  }

  bad(s: ScanState, element: unknown): void {
    invalid(s, '(entry)', `${typeName(element)}, not a [name, value] pair`);
  }
}

/** The scan of one checker: its name cache and the visitor over it, made once per checker. */
export class Scanner {
  private readonly visitor: ScanVisitor;

  constructor(readonly names: NameCache) {
    this.visitor = new ScanVisitor(names);
  }

  /**
   * One pass over a header map, filling the state's slots. Headers that are not SSE headers cost one
   * cached lookup of their name each.
   */
  scan(input: HeaderInput, s: ScanState): void {
    walkHeaders(input, this.visitor, s);
  }
}

/** Values as normalizeHeaders keeps them, by lower-case name. */
type Normalized = Record<string, string>;

const NORMALIZE: HeaderVisitor<Normalized> = {
  name: (_out, name) => (typeof name === 'string' ? 0 : SKIP),
  entry(out, name, value) {
    const lc = (name as string).toLowerCase();
    for (const v of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      for (const part of String(v).split(',')) {
        const t = part.trim();
        const prev = out[lc];
        if (prev === undefined) out[lc] = t;
        else if (!prev.split(', ').includes(t)) out[lc] = `${prev}, ${t}`;
      }
    }
  },
  bad: () => undefined,
};

/**
 * Lower-cases names and normalises values the way the engine reads them (trimmed; repeats and comma-joined
 * repeats collapsed when equal, joined with ", " when not). For feeding other validators, such as ajv on the
 * generated JSON Schemas.
 */
export function normalizeHeaders(input: HeaderInput): Record<string, string> {
  const out = Object.create(null) as Normalized;
  walkHeaders(input, NORMALIZE, out);
  return out;
}
