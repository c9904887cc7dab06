/**
 * One pass over a message's headers that keeps what the checks read: the SSE-looking headers (the
 * only ones the engine reports on) and the few the classifier reads. Recorded traffic carries many
 * other headers (Date, Authorization, request ids…); dropping them once here spares every later scan,
 * and keeps per-request values such as `x-obs-request-id` out of the validation cache.
 */
import type { Checker } from '../engine/checker';
import { type HeaderVisitor, Want, walkHeaders } from '../engine/header-shapes';
import { type NameCache, Role } from '../engine/name-cache';
import type { Diagnostic, Dialect, Direction, Operation, Scheme } from '../types';
import type { HeaderList } from './request';

/** The headers of a message that matter to the checks. */
export interface SplitHeaders {
  /** Headers whose lower-cased name matches the rules' `sseLikePattern`: SSE headers and look-alikes. */
  sse: (readonly [string, string])[];
  /** Host, :authority, Content-Type and the copy-source headers, for the classifier. */
  routing: (readonly [string, string])[];
}

class Split implements SplitHeaders {
  readonly sse: (readonly [string, string])[] = [];
  readonly routing: (readonly [string, string])[] = [];
}

// A module constant: CommonJS output reads an imported one from an object, per header.
const SSE: number = Role.Sse;

const SPLIT: HeaderVisitor<Split> = {
  entry(ctx, name, value, info) {
    (info!.role === SSE ? ctx.sse : ctx.routing).push([name as string, value as string]);
  },
  bad: () => undefined,
};

/**
 * Splits headers into those the engine reads (by the rules' `sseLikePattern`) and those the classifier
 * reads, by the checker's name cache (`checker.names`).
 */
export function splitHeaders(headers: HeaderList, names: NameCache): SplitHeaders {
  const split = new Split();
  walkHeaders(headers, SPLIT, split, Want.Kept, names);
  return split;
}

interface Entry {
  readonly diagnostics: readonly Diagnostic[];
  readonly dialect: Dialect;
}

/** A trie node: one level per header name, then per value. */
interface Node {
  next: Map<string, Node>;
  entry?: Entry;
}

const node = (): Node => ({ next: new Map() });

const DIRECTION_SLOT: Readonly<Record<Direction, number>> = { request: 0, response: 1 };
const SCHEME_SLOT: Readonly<Record<Scheme | 'none', number>> = { none: 0, http: 1, https: 2 };
const DIALECT_SLOT: Readonly<Record<Dialect | 'auto', number>> = { auto: 0, obs: 1, s3: 2 };

/**
 * Remembers the engine's verdict on repeated SSE header sets: recorded traffic repeats the same few
 * (one KMS key, a handful of customer keys) across millions of requests, and the MD5 check of a
 * customer key is the engine's most expensive step. Cached diagnostics are frozen: treat them as
 * read-only.
 *
 * Lookups walk a trie of names and values instead of joining them into one key: hashing a fresh
 * several-hundred-character key per message cost more than most validations it saved.
 *
 * The cache holds header values, customer keys included, for as long as it lives. Use it in
 * short-lived processes such as the linter, not in a long-running proxy.
 */
export class ValidationCache {
  /** Per operation (and which append, for AppendObject), 18 roots: direction × scheme × dialect option. */
  private roots = new Map<string, Node[]>();
  private size = 0;
  private checker: Checker | undefined;

  constructor(private readonly maxEntries = 4096) {}

  /** Validates through the cache; the result is the engine's, possibly from an earlier identical call. */
  validate(
    checker: Checker,
    operation: Operation,
    direction: Direction,
    headers: readonly (readonly [string, string])[],
    scheme: Scheme | undefined,
    dialect: Dialect | 'auto',
    position?: number,
  ): Entry {
    if (this.checker !== checker || this.size >= this.maxEntries) {
      // Another checker means other severities; a full cache is simply started afresh.
      this.roots = new Map();
      this.size = 0;
      this.checker = checker;
    }
    // The engine tells only the first append from a later one, so that is all the key needs.
    const root = position === undefined ? operation : `${operation}@${position === 0 ? 0 : 1}`;
    let slots = this.roots.get(root);
    if (!slots) this.roots.set(root, (slots = []));
    const slot = DIRECTION_SLOT[direction] * 9 + SCHEME_SLOT[scheme ?? 'none'] * 3 + DIALECT_SLOT[dialect];
    let n = slots[slot] ?? (slots[slot] = node());
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as readonly [string, string];
      n = step(step(n, h[0]), h[1]);
    }
    if (n.entry) return n.entry;
    const r = checker.validate({ operation, direction, headers, scheme, dialect, position });
    for (const d of r.diagnostics) Object.freeze(d);
    this.size++;
    return (n.entry = Object.freeze({ diagnostics: Object.freeze(r.diagnostics), dialect: r.dialect }));
  }
}

function step(n: Node, key: string): Node {
  let next = n.next.get(key);
  if (!next) n.next.set(key, (next = node()));
  return next;
}
