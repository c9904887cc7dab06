import type { HeaderInput } from '../types';
import { type HeaderVisitor, Want, walkHeaders } from './header-shapes';
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
 * The engine's reading of each entry it wants (catalogue and SSE-looking names, through the checker's
 * name cache); anything that cannot be a header is reported as `input/invalid-value`.
 */
const SCAN: HeaderVisitor<ScanState> = {
  entry(s, name, value, info) {
    if (info !== undefined) addAt(s, info.slot, info.lower, value);
    else if (name !== undefined) invalid(s, String(name).slice(0, 128), 'a non-string name');
  },
  bad(s, element) {
    invalid(s, '(entry)', `${typeName(element)}, not a [name, value] pair`);
  },
};

/**
 * One pass over a header map, filling the state's slots. Headers that are not SSE headers cost one
 * lookup in the checker's name cache each.
 */
export function scanHeaders(input: HeaderInput, s: ScanState, names: NameCache): void {
  walkHeaders(input, SCAN, s, Want.Scanned, names);
}

/** Values as normalizeHeaders keeps them, by lower-case name. */
type Normalized = Record<string, string>;

const NORMALIZE: HeaderVisitor<Normalized> = {
  entry(out, name, value) {
    if (typeof name !== 'string') return;
    const lc = name.toLowerCase();
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
  walkHeaders(input, NORMALIZE, out, Want.Every);
  return out;
}
