/**
 * The one place that knows the shapes a header map may arrive in. Everything that reads header maps
 * (the engine's scan, normalizeHeaders, the guard's headerPairs) walks them through {@link walkHeaders}
 * with its own visitor; no other module tells a flat array from pairs or an iterable from a record.
 *
 * The shapes, decided by the input alone:
 * - a plain object (node:http's `IncomingHttpHeaders`): its own enumerable keys (`Object.keys`, so
 *   inherited and polluted prototype properties are never headers), values as they are;
 * - a flat array `[name, value, name, value, …]` (node's `rawHeaders`, undici's raw headers as strings
 *   or as Buffers): an array whose first element is a string or a byte array; an odd last name is dropped;
 * - an array of `[name, value]` entries (what the proxy and the linter pass);
 * - any other iterable of `[name, value]` entries (`Headers`, `Map`).
 * In the last two, an entry that is not an array of at least two elements goes to `visitor.bad`.
 * `null`, `undefined` and primitives hold no header. Names and values are handed over as found, of any
 * type: what a non-string name or a Buffer value means is each visitor's policy, not the walker's.
 *
 * Visitors are objects with methods, and state travels in the `ctx` argument, so that a walk allocates
 * no closure: this is a proxy's hot path.
 */

/** Returned by {@link HeaderVisitor.name} to leave an entry out; its value is then not even read. */
export const SKIP = -2;

/** What a reader of header maps does with each entry. */
export interface HeaderVisitor<C> {
  /**
   * Called first for each entry with its name: a number other than {@link SKIP} asks for the value,
   * and is handed to {@link entry} (a catalogue slot, say), sparing a second lookup of the name.
   */
  name(ctx: C, name: unknown): number;
  /** An entry whose name was not skipped, with its value and the number {@link name} returned. */
  entry(ctx: C, name: unknown, value: unknown, tag: number): void;
  /** An element of a pairs array or iterable that is not a `[name, value]` entry. */
  bad(ctx: C, element: unknown): void;
}

function visitPair<C>(pair: unknown, visitor: HeaderVisitor<C>, ctx: C): void {
  if (Array.isArray(pair) && pair.length >= 2) {
    const name: unknown = pair[0];
    const tag = visitor.name(ctx, name);
    if (tag !== SKIP) visitor.entry(ctx, name, pair[1], tag);
  } else visitor.bad(ctx, pair);
}

/** Whether an array is node's or undici's flat `[name, value, …]` form rather than entries. */
function isFlat(input: readonly unknown[]): boolean {
  const first = input[0];
  return typeof first === 'string' || first instanceof Uint8Array;
}

/** Visits every entry of a header map of any accepted shape (see the module comment). */
export function walkHeaders<C>(input: unknown, visitor: HeaderVisitor<C>, ctx: C): void {
  if (input === null || typeof input !== 'object') return;
  if (Array.isArray(input)) {
    if (input.length === 0) return;
    if (isFlat(input)) {
      for (let i = 0; i + 1 < input.length; i += 2) {
        const name: unknown = input[i];
        const tag = visitor.name(ctx, name);
        if (tag !== SKIP) visitor.entry(ctx, name, input[i + 1], tag);
      }
      return;
    }
    for (let i = 0; i < input.length; i++) visitPair(input[i], visitor, ctx);
    return;
  }
  if (typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    for (const pair of input as Iterable<unknown>) visitPair(pair, visitor, ctx);
    return;
  }
  const record = input as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const tag = visitor.name(ctx, key);
    // Values are read only for wanted names: most headers of a proxied request cost one name lookup.
    if (tag !== SKIP) visitor.entry(ctx, key, record[key], tag);
  }
}
