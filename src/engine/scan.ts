import type { HeaderInput } from '../types';
import type { ScanState } from './state';

const UNKNOWN = -1;
const IGNORED = -2;
const CACHE_LIMIT = 4096;
const CACHEABLE_LENGTH = 64;

/**
 * Where a header name lands: a catalogue slot, UNKNOWN for an SSE-looking name outside the catalogue, or
 * IGNORED. Names as sent are cached (bounded), since services send the same few names over and over; a hit
 * skips lower-casing and the SSE-name pattern.
 */
export class NameIndex {
  private readonly seen = new Map<string, number>();
  /** The lower-case name of each slot: what a name landing there lower-cases to, without the copy. */
  private readonly lower: string[] = [];

  constructor(
    private readonly slots: ReadonlyMap<string, number>,
    private readonly sseLike: RegExp,
  ) {
    for (const [name, slot] of slots) this.lower[slot] = name;
  }

  /** `name.toLowerCase()` for a name whose slot is `slot`. */
  lowerName(slot: number, name: string): string {
    return slot >= 0 ? (this.lower[slot] as string) : name.toLowerCase();
  }

  slotOf(name: string): number {
    const hit = this.seen.get(name);
    if (hit !== undefined) return hit;
    const lc = name.toLowerCase();
    let slot = this.slots.get(lc);
    // Only x-obs-/x-amz- names can be SSE headers; the cheap prefix test keeps the pattern off most headers.
    if (slot === undefined) {
      slot =
        lc.charCodeAt(0) === 120 /* x */ && lc.charCodeAt(5) === 45 /* - */ && this.sseLike.test(lc)
          ? UNKNOWN
          : IGNORED;
    }
    if (name.length <= CACHEABLE_LENGTH) {
      // Hostile traffic with ever-new names must not grow memory: start over when full.
      if (this.seen.size >= CACHE_LIMIT) this.seen.clear();
      this.seen.set(name, slot);
    }
    return slot;
  }
}

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

function add(s: ScanState, index: NameIndex, rawName: unknown, value: unknown): void {
  if (typeof rawName !== 'string') {
    if (rawName !== undefined) invalid(s, String(rawName).slice(0, 128), 'a non-string name');
    return;
  }
  const slot = index.slotOf(rawName);
  if (slot !== IGNORED) addAt(s, slot, index.lowerName(slot, rawName), value);
}

/** `name` is the lower-case name. */
function addAt(s: ScanState, slot: number, name: string, value: unknown): void {
  if (slot === UNKNOWN) {
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
 * Visits every [name, value] of any accepted header map shape; entries that are not pairs go to `bad`.
 * The one place that knows the shapes, shared by the engine's scan and by normalizeHeaders.
 */
export function forEachHeader(
  input: HeaderInput,
  visit: (name: unknown, value: unknown) => void,
  bad: (entry: unknown) => void,
): void {
  if (Array.isArray(input)) {
    if (input.length > 0 && typeof input[0] === 'string') {
      // node's flat rawHeaders: [name, value, name, value, ...]
      for (let i = 0; i + 1 < input.length; i += 2) visit(input[i], input[i + 1]);
      return;
    }
    for (const pair of input as unknown[]) {
      if (Array.isArray(pair) && pair.length >= 2) visit(pair[0], pair[1]);
      else bad(pair);
    }
    return;
  }
  if (typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    for (const pair of input as Iterable<unknown>) {
      if (Array.isArray(pair) && pair.length >= 2) visit(pair[0], pair[1]);
      else bad(pair);
    }
    return;
  }
  const record = input as Record<string, unknown>;
  // Object.keys, not for-in: inherited (possibly polluted) properties are not headers.
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) visit(keys[i], record[keys[i]!]);
}

/**
 * One pass over a header map, filling the state's slots. Non-SSE headers cost one lower-casing and one map
 * lookup each.
 */
export function scanHeaders(input: HeaderInput, s: ScanState, index: NameIndex): void {
  if (!Array.isArray(input) && typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    // The node:http shape, inlined: this is the hot path of a proxy.
    // Values are read only for SSE names: most headers cost one cached lookup of their name.
    const record = input as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const slot = index.slotOf(key);
      if (slot !== IGNORED) addAt(s, slot, index.lowerName(slot, key), record[key]);
    }
    return;
  }
  if (Array.isArray(input) && (input.length === 0 || typeof input[0] !== 'string')) {
    // Pairs, the shape the proxy and the linter pass: inlined too, sparing forEachHeader's two closures.
    for (let i = 0; i < input.length; i++) {
      const pair: unknown = input[i];
      if (Array.isArray(pair) && pair.length >= 2) add(s, index, pair[0], pair[1]);
      else invalid(s, '(entry)', `${typeName(pair)}, not a [name, value] pair`);
    }
    return;
  }
  forEachHeader(
    input,
    (name, value) => add(s, index, name, value),
    (entry) => invalid(s, '(entry)', `${typeName(entry)}, not a [name, value] pair`),
  );
}

/**
 * Lower-cases names and normalises values the way the engine reads them (trimmed; repeats and comma-joined
 * repeats collapsed when equal, joined with ", " when not). For feeding other validators, such as ajv on the
 * generated JSON Schemas.
 */
export function normalizeHeaders(input: HeaderInput): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  forEachHeader(
    input,
    (name, value) => {
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
    () => undefined,
  );
  return out;
}
