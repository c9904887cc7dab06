/**
 * The aggregate view of a run: findings grouped by code × operation × client × bucket, with counts, the
 * first and last place each group was seen and one redacted example exchange; tallies by code, client
 * and operation; findings over time; and what was checked and passed, per operation and SSE mode.
 *
 * Memory is bounded by the number of groups, not of findings: past `maxGroups`, a new group's findings
 * go to one overflow group per code (codes are a closed list), so per-code counts stay exact.
 */
import type { Severity } from '../types';
import type { ExchangeExample } from './example';
import type { Finding, ReportedExchange } from './types';

/** Where a group was seen. */
export interface Place {
  file: string;
  entry: number;
  /** 1-based, NDJSON only. */
  line?: number;
  /** The exchange's `startedDateTime`, when the recording has one. */
  time?: string;
}

/** One group of findings. */
export interface Group {
  code: string;
  severity: Severity;
  /** Null in an overflow group, which holds the findings of every group past the limit for its code. */
  operation: string | null;
  client: string | null;
  bucket: string | null;
  count: number;
  /** The header and message of the group's first finding. */
  header: string | null;
  message: string;
  first: Place;
  last: Place;
  /** The first exchange of the group that carried an example (redacted); absent in overflow groups. */
  example?: ExchangeExample;
  overflow?: true;
}

/** A name and how many findings it has. */
export interface Tally {
  name: string;
  count: number;
}

/** What was checked for one operation and SSE mode, and how much of it passed. */
export interface CheckedTally {
  operation: string;
  /** `SSE-KMS`, `SSE-OBS`, `SSE-C`, or `none` when the request named no (valid) SSE method. */
  sse: string;
  checked: number;
  /** Checked exchanges without any finding. */
  clean: number;
}

/** Findings per time bin, from the exchanges' `startedDateTime`. */
export interface Timeline {
  /** ISO time of the first bin's start. */
  start: string;
  binSeconds: number;
  counts: number[];
}

/** The aggregate of a run, as `--format summary`, the json `summary` and the HTML report show it. */
export interface Aggregate {
  /** Sorted by count, largest first. */
  groups: Group[];
  /** Findings that fell into overflow groups because `maxGroups` groups already existed. */
  overflowFindings: number;
  maxGroups: number;
  byCode: Tally[];
  byClient: Tally[];
  byOperation: Tally[];
  byBucket: Tally[];
  /** Absent when no exchange with findings had a timestamp. */
  timeline?: Timeline;
  /** Sorted by operation, then SSE mode. */
  checked: CheckedTally[];
}

/** What the aggregate needs of an exchange besides its findings. */
export interface ExchangeContext {
  client: string;
  bucket: string;
  sse: string;
  /** `startedDateTime`, as recorded. */
  time?: string;
  example?: ExchangeExample;
}

const TIMELINE_BINS = 96;
/** Distinct clients, operations or buckets tallied by name; the rest are summed under {@link OTHER}. */
const MAX_TALLY = 500;
const OTHER = '(other)';
export const DEFAULT_MAX_GROUPS = 1000;

/** A tally with a bounded number of names. */
class Counter {
  private readonly map = new Map<string, number>();
  add(name: string, n = 1): void {
    const key = this.map.has(name) || this.map.size < MAX_TALLY ? name : OTHER;
    this.map.set(key, (this.map.get(key) ?? 0) + n);
  }
  sorted(): Tally[] {
    return [...this.map].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count);
  }
}

/** Findings over time in a fixed number of bins whose width doubles until every time fits. */
class TimeBins {
  private start = 0;
  private width = 1000;
  private counts: number[] | undefined;

  add(ms: number, n: number): void {
    if (!this.counts) {
      this.start = Math.floor(ms / this.width) * this.width;
      this.counts = new Array<number>(TIMELINE_BINS).fill(0);
    }
    if (ms < this.start || ms >= this.start + TIMELINE_BINS * this.width) this.widen(ms);
    const i = Math.floor((ms - this.start) / this.width);
    this.counts[i] = (this.counts[i] ?? 0) + n;
  }

  /** Doubles the bin width until the bins cover both what they covered and `ms`, and re-bins. */
  private widen(ms: number): void {
    const lo = Math.min(this.start, ms);
    const hi = Math.max(this.start + TIMELINE_BINS * this.width, ms + 1);
    let width = this.width;
    while (Math.floor((hi - 1) / width) - Math.floor(lo / width) >= TIMELINE_BINS) width *= 2;
    const start = Math.floor(lo / width) * width;
    const counts = new Array<number>(TIMELINE_BINS).fill(0);
    (this.counts ?? []).forEach((n, i) => {
      const j = Math.floor((this.start + i * this.width - start) / width);
      counts[j] = (counts[j] ?? 0) + n;
    });
    [this.start, this.width, this.counts] = [start, width, counts];
  }

  result(): Timeline | undefined {
    if (!this.counts) return undefined;
    let last = this.counts.length;
    while (last > 1 && this.counts[last - 1] === 0) last--;
    return {
      start: new Date(this.start).toISOString(),
      binSeconds: this.width / 1000,
      counts: this.counts.slice(0, last),
    };
  }
}

function newGroup(
  f: Finding,
  by: { operation: string; client: string; bucket: string } | null,
  place: Place,
): Group {
  return {
    code: f.code,
    severity: f.severity,
    operation: by?.operation ?? null,
    client: by?.client ?? null,
    bucket: by?.bucket ?? null,
    count: 0,
    header: f.header ?? null,
    message: f.message,
    first: place,
    last: place,
  };
}

/** Code-unit order: the same on every machine, whatever its locale. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const severityKey = { error: 0, warning: 1, info: 2 } as const;

/** Builds an {@link Aggregate} from the exchanges of a run, in input order. */
export class Aggregator {
  private readonly groups = new Map<string, Group>();
  private readonly maxGroups: number;
  private overflowFindings = 0;
  private readonly byCode = new Counter();
  private readonly byClient = new Counter();
  private readonly byOperation = new Counter();
  private readonly byBucket = new Counter();
  private readonly times = new TimeBins();
  private readonly checkedBy = new Map<string, number>();
  private readonly withFindings = new Map<string, number>();

  constructor(maxGroups = DEFAULT_MAX_GROUPS) {
    this.maxGroups = maxGroups;
  }

  /** Counts checked exchanges by `operation\tsse` (from the checking threads). */
  addChecked(byOperation: Readonly<Record<string, number>>): void {
    for (const key in byOperation) {
      this.checkedBy.set(key, (this.checkedBy.get(key) ?? 0) + (byOperation[key] ?? 0));
    }
  }

  /** Adds one exchange's findings (all of them, listed or not). */
  add(x: Omit<ReportedExchange, 'findings'>, findings: readonly Finding[], ctx: ExchangeContext): void {
    if (findings.length === 0) return;
    if (!x.skipped && x.operation) {
      const key = `${x.operation}\t${ctx.sse}`;
      this.withFindings.set(key, (this.withFindings.get(key) ?? 0) + 1);
    }
    const place: Place = { file: x.file, entry: x.entry };
    if (x.line !== undefined) place.line = x.line;
    if (ctx.time !== undefined) place.time = ctx.time;
    const ms = ctx.time === undefined ? NaN : Date.parse(ctx.time);
    if (!Number.isNaN(ms)) this.times.add(ms, findings.length);
    for (const f of findings) {
      const op = f.operation ?? '';
      const key = `${f.code}\n${op}\n${ctx.client}\n${ctx.bucket}`;
      let g = this.groups.get(key);
      if (!g && this.groups.size >= this.maxGroups) {
        this.overflowFindings++;
        const okey = `${f.code}\n*overflow*`;
        g = this.groups.get(okey);
        if (!g) {
          g = newGroup(f, null, place);
          g.overflow = true;
          this.groups.set(okey, g);
        }
      } else if (!g) {
        g = newGroup(f, { operation: op, client: ctx.client, bucket: ctx.bucket }, place);
        this.groups.set(key, g);
      }
      g.count++;
      g.last = place;
      if (!g.example && !g.overflow && ctx.example) g.example = ctx.example;
      this.byCode.add(f.code);
      this.byOperation.add(op || '(none)');
    }
    this.byClient.add(ctx.client, findings.length);
    this.byBucket.add(ctx.bucket || '(none)', findings.length);
  }

  result(): Aggregate {
    const groups = [...this.groups.values()].sort(
      (a, b) => b.count - a.count || severityKey[a.severity] - severityKey[b.severity],
    );
    const checked: CheckedTally[] = [...this.checkedBy]
      .map(([key, n]) => {
        const [operation = '', sse = ''] = key.split('\t');
        return { operation, sse, checked: n, clean: n - (this.withFindings.get(key) ?? 0) };
      })
      .sort((a, b) => cmp(a.operation, b.operation) || cmp(a.sse, b.sse));
    const out: Aggregate = {
      groups,
      overflowFindings: this.overflowFindings,
      maxGroups: this.maxGroups,
      byCode: this.byCode.sorted(),
      byClient: this.byClient.sorted(),
      byOperation: this.byOperation.sorted(),
      byBucket: this.byBucket.sorted(),
      checked,
    };
    const timeline = this.times.result();
    if (timeline) out.timeline = timeline;
    return out;
  }
}
