/**
 * The one place that knows the shapes a header map may arrive in. Everything that reads header maps
 * (the engine's scan, normalizeHeaders, the guard's headerPairs, inspect's splitHeaders, the code
 * examples' {@link headerEntries}) walks them through {@link walkHeaders} with its own visitor; no other
 * module tells a flat array from pairs or an iterable from a record. (Loops over maps already typed as
 * pairs, such as the guard's hop-by-hop stripping, read one known shape and are not walkers.)
 *
 * The shapes, decided by the input alone:
 * - a plain object (node:http's `IncomingHttpHeaders`): its own enumerable keys (`Object.keys`, so
 *   inherited and polluted prototype properties are never headers), values as they are;
 * - a flat array `[name, value, name, value, …]` (node's `rawHeaders`, undici's raw headers as strings
 *   or as Buffers): an array whose first element is a string or a byte array; an odd last name is dropped;
 * - an array of `[name, value]` entries (what the proxy and the linter pass);
 * - any other iterable of `[name, value]` entries (`Headers`, `Map`).
 * In the last two, an element that is not an array of at least two elements goes to `visitor.bad`.
 * `null`, `undefined` and primitives hold no header. Names and values are handed over as found, of any
 * type: what a non-string name or a Buffer value means is each visitor's policy, not the walker's.
 *
 * Which entries a reader wants is data ({@link Want}), decided here from the checker's name cache: a
 * header nobody reads costs one cache lookup and no call, and the loops' only call, to a visitor, is
 * made for the few wanted entries. (A visitor method asked about every name made that call site
 * polymorphic, once several readers shared the loops, and showed as a tenth of the engine's time.)
 * Visitors are objects with methods and state travels in `ctx`, so that a walk allocates no closure.
 */
import type { NameCache, NameInfo } from './name-cache';

/** Which entries a reader wants. */
export const Want = {
  /** Every entry; no name is looked up (`info` is undefined). */
  Every: 0,
  /** What the engine's scan reads ({@link NameInfo.scanned}), and every non-string name. */
  Scanned: 1,
  /** The SSE-looking and routing names ({@link NameInfo.kept}) inspect/ splits off; string names only. */
  Kept: 2,
} as const;
export type Want = (typeof Want)[keyof typeof Want];

// Module constants: CommonJS output reads an imported or exported constant from an object, per header.
const EVERY: number = Want.Every;
const KEPT: number = Want.Kept;

/** What a reader of header maps does with the entries it wants. */
export interface HeaderVisitor<C> {
  /**
   * A wanted entry. `info` is the name's cache entry, or undefined for {@link Want.Every} and for a
   * name that is not a string (which only {@link Want.Kept} leaves out).
   */
  entry(ctx: C, name: unknown, value: unknown, info: NameInfo | undefined): void;
  /** An element of a pairs array or iterable that is not a `[name, value]` entry. */
  bad(ctx: C, element: unknown): void;
}

/**
 * The cache entry of a wanted string name, else undefined. Names whose first letter is none of x, h, c
 * and ':' are neither SSE nor routing names, and {@link Want.Kept} skips them without a lookup (Date,
 * Authorization, User-Agent, ETag…).
 */
function wanted(name: string, want: number, names: NameCache): NameInfo | undefined {
  if (want === KEPT) {
    const c = name.charCodeAt(0) | 0x20; // 0x3a | 0x20 is still ':'
    if (c !== 0x78 && c !== 0x68 && c !== 0x63 && c !== 0x3a) return undefined;
    const info = names.get(name);
    return info.kept ? info : undefined;
  }
  const info = names.get(name);
  return info.scanned ? info : undefined;
}

// One small function per shape: each stays small enough for V8 to inline into its caller, and the
// iterator protocol's bytecode stays out of the hot record and array loops.

function walkRecord<C>(
  record: Record<string, unknown>,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: number,
  names: NameCache,
): void {
  const keys = Object.keys(record);
  if (want === EVERY) {
    for (let i = 0; i < keys.length; i++) visitor.entry(ctx, keys[i], record[keys[i]!], undefined);
    return;
  }
  // Values are read only for wanted names: most headers of a proxied request cost one name lookup.
  // The engine's loop is spelled out: node:http's header object is the proxy's and the bench's shape.
  if (want === KEPT) {
    for (let i = 0; i < keys.length; i++) {
      const info = wanted(keys[i]!, KEPT, names);
      if (info !== undefined) visitor.entry(ctx, keys[i], record[keys[i]!], info);
    }
    return;
  }
  for (let i = 0; i < keys.length; i++) {
    const info = names.get(keys[i]!);
    if (info.scanned) visitor.entry(ctx, keys[i], record[keys[i]!], info);
  }
}

function visit<C>(
  name: unknown,
  value: unknown,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: number,
  names: NameCache,
): void {
  if (want === EVERY) visitor.entry(ctx, name, value, undefined);
  else if (typeof name === 'string') {
    const info = wanted(name, want, names);
    if (info !== undefined) visitor.entry(ctx, name, value, info);
  } else if (want !== KEPT) visitor.entry(ctx, name, value, undefined);
}

function walkFlat<C>(
  input: readonly unknown[],
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: number,
  names: NameCache,
): void {
  for (let i = 0; i + 1 < input.length; i += 2) visit(input[i], input[i + 1], visitor, ctx, want, names);
}

function visitPair<C>(
  pair: unknown,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: number,
  names: NameCache,
): void {
  if (Array.isArray(pair) && pair.length >= 2) visit(pair[0], pair[1], visitor, ctx, want, names);
  else visitor.bad(ctx, pair);
}

function walkPairs<C>(
  input: readonly unknown[],
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: number,
  names: NameCache,
): void {
  for (let i = 0; i < input.length; i++) visitPair(input[i], visitor, ctx, want, names);
}

function walkIterable<C>(
  input: Iterable<unknown>,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: number,
  names: NameCache,
): void {
  for (const pair of input) visitPair(pair, visitor, ctx, want, names);
}

/**
 * Visits the wanted entries of a header map of any accepted shape (see the module comment). `names`
 * (a checker's `names`) is needed for every `want` but {@link Want.Every}.
 */
export function walkHeaders<C>(
  input: unknown,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: typeof Want.Every,
): void;
export function walkHeaders<C>(
  input: unknown,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: Want,
  names: NameCache,
): void;
export function walkHeaders<C>(
  input: unknown,
  visitor: HeaderVisitor<C>,
  ctx: C,
  want: Want,
  names?: NameCache,
): void {
  if (input === null || typeof input !== 'object') return;
  // Never read for Want.Every; typed as present so the loops carry no check.
  const cache = names as NameCache;
  if (Array.isArray(input)) {
    if (input.length === 0) return;
    // node's and undici's flat form has a name first, where entries have an array.
    const first: unknown = input[0];
    if (typeof first === 'string' || first instanceof Uint8Array) walkFlat(input, visitor, ctx, want, cache);
    else walkPairs(input, visitor, ctx, want, cache);
  } else if (typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    walkIterable(input as Iterable<unknown>, visitor, ctx, want, cache);
  } else walkRecord(input as Record<string, unknown>, visitor, ctx, want, cache);
}

const ENTRIES: HeaderVisitor<[string, unknown][]> = {
  entry: (out, name, value) => void out.push([String(name), value]),
  bad: () => undefined,
};

/**
 * The entries of a header map of any shape, names as strings and values untouched: for showing a map
 * (a code's example), not for judging one.
 */
export function headerEntries(input: unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  walkHeaders(input, ENTRIES, out, Want.Every);
  return out;
}
