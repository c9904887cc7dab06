/**
 * The one cache of header names, owned by each compiled {@link import('./checker').Checker} (its
 * `names`): what every reader of headers needs to know about a name as spelled, computed once. Traffic
 * repeats the same few dozen spellings millions of times, and names arrive interned (node's parser, JSON
 * property names), so one map lookup replaces lower-casing, a regular expression and set lookups per
 * header, in the engine's scan and in everything around it (inspect/, the guard's redaction).
 *
 * Policy, the same for every reader: at most {@link NAME_CACHE_LIMIT} names; when full it is cleared
 * and starts over (a traffic's working set comes back within a request, where a cache that stopped
 * adding would keep whatever names came first, hostile ones included); names longer than
 * {@link NAME_CACHE_MAX_LENGTH} characters are answered but never kept. Hostile traffic inventing
 * names can then cost a miss per name, never memory: the cache holds at most
 * LIMIT × (2 × MAX_LENGTH characters + one small record), about 1.5 MB.
 */
import { isSecretHeader } from '../redact';
import type { HeaderId } from '../rules/model';

/** How many spellings a cache keeps before starting over. */
export const NAME_CACHE_LIMIT = 4096;
/** Longer names are answered but not kept. The catalogue's longest names have 59 characters. */
export const NAME_CACHE_MAX_LENGTH = 128;

/** {@link NameInfo.slot} of a name that looks like an SSE header but is not in the catalogue. */
export const UNKNOWN = -1;
/** {@link NameInfo.slot} of a name the engine does not read. */
export const IGNORED = -2;

/** What a header name is to the checks that read headers around the engine. */
export const Role = {
  Other: 0,
  /** The name matches the rules' `sseLikePattern`: an SSE header or a look-alike. */
  Sse: 1,
  /** Host, :authority, Content-Type and the copy-source headers: what the classifier reads. */
  Routing: 2,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The names the request classifier (src/traffic/classify.ts) reads, lower case. */
const ROUTING: ReadonlySet<string> = new Set([
  'host',
  ':authority',
  'content-type',
  'x-obs-copy-source',
  'x-amz-copy-source',
]);

/** Everything known about one header name as spelled. */
export interface NameInfo {
  /** `name.toLowerCase()`. */
  readonly lower: string;
  /**
   * Where the engine files the header: a catalogue slot (0..n-1 the OBS spelling of header i, n..2n-1
   * its S3 spelling), {@link UNKNOWN}, or {@link IGNORED}.
   */
  readonly slot: number;
  /** The catalogue header the name spells, in either dialect. */
  readonly id: HeaderId | undefined;
  readonly role: Role;
  /** The engine's scan reads it: `slot` is not {@link IGNORED}. */
  readonly scanned: boolean;
  /** inspect/ keeps it apart from the other headers: `role` is not {@link Role.Other}. */
  readonly kept: boolean;
  /** Its value is a secret (src/redact.ts `isSecretHeader`: a customer key, a credential). */
  readonly secret: boolean;
}

/** See the module comment for the policy. */
export class NameCache {
  private readonly seen = new Map<string, NameInfo>();
  /** The catalogue's lower-case name of each slot, kept in place of a copy per spelling. */
  private readonly lower: string[] = [];

  /**
   * `slots`: lower-case catalogue names (both dialects) to their slot; `ids`: the header id of slot i
   * and of slot n + i at index i; `sseLike`: the rules' `sseLikePattern`.
   */
  constructor(
    private readonly slots: ReadonlyMap<string, number>,
    private readonly ids: readonly HeaderId[],
    private readonly sseLike: RegExp,
  ) {
    for (const [name, slot] of slots) this.lower[slot] = name;
  }

  /** How many names are kept now (at most {@link NAME_CACHE_LIMIT}). */
  get size(): number {
    return this.seen.size;
  }

  /** What `name` (as spelled) is; never throws. Names only: never pass a value. */
  get(name: string): NameInfo {
    // Every header of every message comes here: the hit path is kept small enough to inline.
    return this.seen.get(name) ?? this.miss(name);
  }

  private miss(name: string): NameInfo {
    const info = this.compute(name);
    if (name.length <= NAME_CACHE_MAX_LENGTH) {
      if (this.seen.size >= NAME_CACHE_LIMIT) this.seen.clear();
      this.seen.set(name, info);
    }
    return info;
  }

  private compute(name: string): NameInfo {
    const lower = name.toLowerCase();
    const sse = this.sseLike.test(lower);
    let slot = this.slots.get(lower);
    // Only x-obs-/x-amz- names can be SSE headers to the engine.
    if (slot === undefined)
      slot =
        sse && lower.charCodeAt(0) === 120 /* x */ && lower.charCodeAt(5) === 45 /* - */ ? UNKNOWN : IGNORED;
    const role = sse ? Role.Sse : ROUTING.has(lower) ? Role.Routing : Role.Other;
    return {
      lower: slot >= 0 ? this.lower[slot]! : lower,
      slot,
      id: slot >= 0 ? this.ids[slot % this.ids.length] : undefined,
      role,
      scanned: slot !== IGNORED,
      kept: role !== Role.Other,
      secret: isSecretHeader(name),
    };
  }
}
