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
const SKIP = -2;
// Exported apart from its declaration: CommonJS output then compares with the local constant, not with
// a property of `exports` loaded per header.
export { SKIP };

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

// One small function per shape: each stays small enough for V8 to inline into its caller, and the
// iterator protocol's bytecode stays out of the hot record and array loops.

function walkRecord<C>(record: Record<string, unknown>, visitor: HeaderVisitor<C>, ctx: C): void {
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const tag = visitor.name(ctx, key);
    // Values are read only for wanted names: most headers of a proxied request cost one name lookup.
    if (tag !== SKIP) visitor.entry(ctx, key, record[key], tag);
  }
}

function walkFlat<C>(input: readonly unknown[], visitor: HeaderVisitor<C>, ctx: C): void {
  for (let i = 0; i + 1 < input.length; i += 2) {
    const name: unknown = input[i];
    const tag = visitor.name(ctx, name);
    if (tag !== SKIP) visitor.entry(ctx, name, input[i + 1], tag);
  }
}

function visitPair<C>(pair: unknown, visitor: HeaderVisitor<C>, ctx: C): void {
  if (Array.isArray(pair) && pair.length >= 2) {
    const name: unknown = pair[0];
    const tag = visitor.name(ctx, name);
    if (tag !== SKIP) visitor.entry(ctx, name, pair[1], tag);
  } else visitor.bad(ctx, pair);
}

function walkPairs<C>(input: readonly unknown[], visitor: HeaderVisitor<C>, ctx: C): void {
  for (let i = 0; i < input.length; i++) visitPair(input[i], visitor, ctx);
}

function walkIterable<C>(input: Iterable<unknown>, visitor: HeaderVisitor<C>, ctx: C): void {
  for (const pair of input) visitPair(pair, visitor, ctx);
}

/** Visits every entry of a header map of any accepted shape (see the module comment). */
export function walkHeaders<C>(input: unknown, visitor: HeaderVisitor<C>, ctx: C): void {
  if (input === null || typeof input !== 'object') return;
  if (Array.isArray(input)) {
    if (input.length === 0) return;
    // node's and undici's flat form has a name first, where entries have an array.
    const first: unknown = input[0];
    if (typeof first === 'string' || first instanceof Uint8Array) walkFlat(input, visitor, ctx);
    else walkPairs(input, visitor, ctx);
  } else if (typeof (input as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    walkIterable(input as Iterable<unknown>, visitor, ctx);
  } else walkRecord(input as Record<string, unknown>, visitor, ctx);
}
