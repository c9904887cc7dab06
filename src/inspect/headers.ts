/**
 * One pass over a message's headers that keeps what the checks read: the SSE-looking headers (the
 * only ones the engine reports on) and the few the classifier reads. Recorded traffic carries many
 * other headers (Date, Authorization, request ids…); dropping them once here spares every later scan,
 * and keeps per-request values such as `x-obs-request-id` out of the validation cache.
 */
import type { Checker } from '../engine/checker';
import type { Diagnostic, Dialect, Direction, Operation, Scheme } from '../types';
import type { HeaderList } from './request';

/** The headers of a message that matter to the checks. */
export interface SplitHeaders {
  /** Headers whose lower-cased name matches the rules' `sseLikePattern`: SSE headers and look-alikes. */
  sse: (readonly [string, string])[];
  /** Host, :authority, Content-Type and the copy-source headers, for the classifier. */
  routing: (readonly [string, string])[];
}

const ROUTING = new Set(['host', ':authority', 'content-type', 'x-obs-copy-source', 'x-amz-copy-source']);

/** Splits headers into those the engine reads (by the rules' `sseLikePattern`) and those the classifier reads. */
export function splitHeaders(headers: HeaderList, sseLike: RegExp): SplitHeaders {
  const sse: (readonly [string, string])[] = [];
  const routing: (readonly [string, string])[] = [];
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i] as readonly [string, string];
    const name = pair[0];
    const c = name.charCodeAt(0) | 0x20;
    // x, h, c and ':' (0x3a | 0x20 = 0x3a) are the only first letters that matter.
    if (c === 0x78 && name.charCodeAt(5) === 0x2d) {
      const lower = name.toLowerCase();
      if (sseLike.test(lower)) sse.push(pair);
      else if (ROUTING.has(lower)) routing.push(pair);
    } else if ((c === 0x68 || c === 0x63 || c === 0x3a) && ROUTING.has(name.toLowerCase())) {
      routing.push(pair);
    }
  }
  return { sse, routing };
}

interface Entry {
  diagnostics: readonly Diagnostic[];
  dialect: Dialect;
}

/** A trie node: one level per header name, then per value. */
interface Node {
  next: Map<string, Node>;
  entry?: Entry;
}

const node = (): Node => ({ next: new Map() });

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
  private root = node();
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
  ): Entry {
    if (this.checker !== checker || this.size >= this.maxEntries) {
      // Another checker means other severities; a full cache is simply started afresh.
      this.root = node();
      this.size = 0;
      this.checker = checker;
    }
    // Operation, direction and the options are interned literals: their hashes are cached, so four short
    // steps cost less than building one composite key.
    let n = step(step(step(step(this.root, operation), direction), scheme ?? ''), dialect);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as readonly [string, string];
      n = step(step(n, h[0]), h[1]);
    }
    if (n.entry) return n.entry;
    const r = checker.validate({ operation, direction, headers, scheme, dialect });
    for (const d of r.diagnostics) Object.freeze(d);
    this.size++;
    return (n.entry = { diagnostics: Object.freeze(r.diagnostics), dialect: r.dialect });
  }
}

function step(n: Node, key: string): Node {
  let next = n.next.get(key);
  if (!next) n.next.set(key, (next = node()));
  return next;
}
