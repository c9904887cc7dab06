/**
 * The lint pipeline: open each input, tell its format, stream its exchanges through the readers of
 * src/traffic and the checks of src/inspect, and collect findings and counts. Exchanges are dropped as
 * soon as they are checked; only findings (bounded in number and size) are kept. Large NDJSON inputs
 * are checked by worker threads in batches (./parallel.ts) and merged here in input order.
 */
import { availableParallelism } from 'node:os';
import { redactByValue, SecretValues } from '../redact';
import type { Diagnostic } from '../types';
import {
  detectStream,
  formatFromFileName,
  unwrapContainers,
  HarScanner,
  LOG_PRESETS,
  TRAFFIC_FORMATS,
  type ByteSource,
  type TrafficFormat,
  type TrafficItem,
} from '../traffic';
import { SessionTracker } from '../inspect';
import {
  clip,
  emptyBatchCounts,
  ExchangeChecker,
  runInspectOptions,
  uncheckedMessage,
  type BatchCounts,
  type Checked,
} from './check';
import { lintSplitter } from './batch';
import { toBuffer, type LintInput } from './inputs';
import { lintNdjsonInWorkers, workerScript } from './parallel';
import {
  MAX_MESSAGE,
  type Counts,
  type ExchangeRecord,
  type FileSummary,
  type Finding,
  type InputError,
  type LintOptions,
  type LintResult,
  type Summary,
} from './types';

/** The synchronous cores of the two readers, which skip a per-record async step. */
interface Scanner {
  /** False once the input cannot be read on: a malformed HAR, an NDJSON line over the bound. */
  push(chunk: Buffer, out: TrafficItem[]): unknown;
  end(out: TrafficItem[]): unknown;
}

const emptyCounts = (): Counts => ({
  exchanges: 0,
  checked: 0,
  skipped: {},
  errors: 0,
  warnings: 0,
  infos: 0,
  inputErrors: 0,
});

/** A summary with every count at zero. */
export function emptySummary(): Summary {
  return { ...emptyCounts(), files: 0, findingsOmitted: 0 };
}

/** The state of one run: counts, findings and the session tracker, fed in input order. */
export class Run {
  readonly findings: Finding[] = [];
  readonly inputErrors: InputError[] = [];
  readonly files: FileSummary[] = [];
  readonly exchanges: ExchangeRecord[] | undefined;
  readonly total = emptyCounts();
  readonly checker: ExchangeChecker;
  readonly keepAll: boolean;
  private findingsOmitted = 0;
  private readonly maxFindings: number;
  private readonly sessions: SessionTracker;
  private file = '';
  private counts: FileSummary = { file: '', ...emptyCounts() };
  private ndjson = false;
  /** Counts of the exchanges checked in this thread, folded in by {@link flushCounts}. */
  private readonly local = emptyBatchCounts();

  constructor(readonly options: LintOptions) {
    this.maxFindings = options.maxFindings ?? 100_000;
    const inspectOptions = runInspectOptions(options);
    this.sessions = new SessionTracker(inspectOptions);
    this.checker = new ExchangeChecker(options, inspectOptions);
    this.keepAll = options.keepExchanges === true;
    this.exchanges = this.keepAll ? [] : undefined;
  }

  startFile(file: string): FileSummary {
    this.file = file;
    this.counts = { file, ...emptyCounts() };
    this.ndjson = false;
    this.files.push(this.counts);
    return this.counts;
  }

  setFormat(format: TrafficFormat): void {
    this.counts.format = format;
    this.ndjson = format === 'ndjson';
  }

  inputError(e: Omit<InputError, 'file'>): void {
    this.counts.inputErrors++;
    this.total.inputErrors++;
    // Reader messages quote names (`requestHeaders["…"]`), and a name can hold a key.
    this.inputErrors.push({ file: this.file, ...e, message: clip(redactByValue(e.message), MAX_MESSAGE) });
  }

  /** Checks the reader's items in this thread. */
  drain(out: TrafficItem[]): void {
    for (let i = 0; i < out.length; i++) {
      const item = out[i] as TrafficItem;
      if (item.kind === 'exchange') {
        let checked: Checked | undefined;
        try {
          checked = this.checker.check(item.exchange, this.local, this.keepAll);
        } catch (err) {
          this.uncheckable(item.exchange.entry, err);
          continue;
        }
        if (checked) this.apply(checked);
      } else {
        const e: Omit<InputError, 'file'> = { message: item.message, ...item.position };
        if (item.entry !== undefined) e.entry = item.entry;
        this.inputError(e);
      }
    }
    out.length = 0;
    this.flushCounts(this.local);
  }

  /** Adds counts checked elsewhere (or locally) to the file's and the run's. */
  flushCounts(c: BatchCounts): void {
    for (const target of [this.counts, this.total]) {
      target.exchanges += c.exchanges;
      target.checked += c.checked;
      for (const [reason, n] of Object.entries(c.skipped) as [keyof BatchCounts['skipped'], number][]) {
        target.skipped[reason] = (target.skipped[reason] ?? 0) + n;
      }
    }
    c.exchanges = 0;
    c.checked = 0;
    c.skipped = {};
  }

  /** An exchange that threw while being checked: an input error for that entry, and reading goes on. */
  private uncheckable(entry: number, err: unknown): void {
    const e: Omit<InputError, 'file'> = { entry, message: '' };
    if (this.ndjson) e.line = entry + 1;
    e.message = uncheckedMessage(this.ndjson ? `line ${entry + 1}` : `entry ${entry}`, err);
    this.inputError(e);
  }

  /** Merges one checked exchange: its findings, in order with its session step; a throw costs that entry. */
  apply(c: Checked): void {
    try {
      this.merge(c);
    } catch (err) {
      this.uncheckable(c.entry, err);
    }
  }

  private merge(c: Checked): void {
    // Everything printed about the exchange goes through its secrets, whatever text carries it.
    const secrets = c.secrets ? SecretValues.fromList(c.secrets) : undefined;
    const safe = (text: string): string => redactByValue(text, secrets);
    if (this.exchanges && this.exchanges.length < this.maxFindings) {
      const r: ExchangeRecord = { file: this.file, entry: c.entry, method: safe(c.method), url: c.url };
      if (this.ndjson) r.line = c.entry + 1;
      if (c.skipped) r.skipped = { reason: c.skipped.reason, detail: safe(c.skipped.detail) };
      else r.operation = safe(c.operation);
      this.exchanges.push(r);
    }
    if (c.request.length > 0) this.add(c, c.request, safe);
    if (c.session) {
      const diags = this.sessions.request(c.session.req);
      if (diags.length > 0) this.add(c, diags, safe);
    }
    if (c.response.length > 0) this.add(c, c.response, safe);
    if (c.session?.status !== undefined) {
      this.sessions.response(c.session.req, { status: c.session.status, body: c.session.body });
    }
  }

  private add(c: Checked, list: readonly Diagnostic[], safe: (text: string) => string): void {
    const { counts, total } = this;
    for (const d of list) {
      const key = d.severity === 'error' ? 'errors' : d.severity === 'warning' ? 'warnings' : 'infos';
      counts[key]++;
      total[key]++;
      if (this.findings.length >= this.maxFindings) {
        this.findingsOmitted++;
        continue;
      }
      const f: Finding = {
        file: this.file,
        entry: c.entry,
        operation: safe(d.operation ?? c.operation),
        direction: d.direction ?? 'request',
        code: d.code,
        severity: d.severity,
        message: clip(safe(d.message), MAX_MESSAGE),
        method: safe(c.method),
        url: c.url,
      };
      if (this.ndjson) f.line = c.entry + 1;
      if (d.header !== undefined) f.header = safe(d.header);
      this.findings.push(f);
    }
  }

  result(): LintResult {
    const result: LintResult = {
      summary: { ...this.total, files: this.files.length, findingsOmitted: this.findingsOmitted },
      files: this.files,
      findings: this.findings,
      inputErrors: this.inputErrors,
    };
    if (this.exchanges) result.exchanges = this.exchanges;
    return result;
  }
}

/**
 * Worker threads by default: none below four cores, where the checking thread, the reader and the
 * garbage collector already share two (measured slower with workers on a busy two-core machine), and
 * at most three, each costing some 70 MB of memory, to stay within a 300 MB peak.
 */
function defaultJobs(): number {
  const cores = availableParallelism();
  return cores >= 4 ? Math.min(3, cores - 1) : 1;
}

/** How many worker threads an NDJSON input of `size` bytes gets; 0 means check in this thread. */
function workersFor(options: LintOptions, size: number | undefined): number {
  const jobs = options.jobs ?? defaultJobs();
  if (jobs < 2 || !workerScript()) return 0;
  // Starting workers costs a few hundred milliseconds each: worth it for large inputs, or when asked.
  const min = options.parallelMinBytes ?? (options.jobs === undefined ? 32 * 1024 * 1024 : 0);
  return size === undefined || size >= min ? jobs : 0;
}

/** Lints the inputs one after another; one multipart session tracker spans them all, in order. */
export async function lint(inputs: readonly LintInput[], options: LintOptions = {}): Promise<LintResult> {
  const run = new Run(options);
  for (const input of inputs) {
    const file = input.name;
    const counts = run.startFile(file);
    let source: ByteSource;
    let size: number | undefined;
    let path: string | undefined;
    try {
      ({ source, size, path } = await input.open());
    } catch (err) {
      run.inputError({ message: (err as Error).message });
      continue;
    }
    let format = options.input ?? formatFromFileName(file);
    let bytes = 0;
    try {
      const inner = await unwrapContainers(source, path, options.containerLimits);
      source = inner.source;
      if (inner.layers.length > 0) {
        // Progress then counts decompressed bytes, which the file's size does not bound.
        size = undefined;
        counts.container = inner.layers.join(', ');
        format = options.input ?? formatFromFileName(inner.innerName ?? file);
      }
      // A gateway log is often named .ndjson or .jsonl too: such a name is checked against the first line.
      if (!format || (format === 'ndjson' && !options.input)) {
        const named = format;
        const detected = await detectStream(source);
        source = detected.stream;
        format = detected.format ?? named;
        if (!format) {
          detected.stream.destroy();
          run.inputError({
            message: `${file}: cannot tell whether this is a HAR file, an NDJSON log or a gateway log; name it .har or .ndjson, or pass --input ${TRAFFIC_FORMATS.join('|')}`,
          });
          continue;
        }
      }
      run.setFormat(format);
      const workers = format === 'ndjson' ? workersFor(options, size) : 0;
      if (workers > 0) {
        await lintNdjsonInWorkers(source, run, workers, (n) => {
          bytes = n;
          options.onProgress?.({ file, bytes, size, exchanges: counts.exchanges });
        });
        continue;
      }
      const scanner: Scanner =
        format === 'har'
          ? new HarScanner()
          : lintSplitter(options.maxLineBytes, format === 'ndjson' ? undefined : LOG_PRESETS[format]);
      const out: TrafficItem[] = [];
      for await (const chunk of source) {
        const buf = toBuffer(chunk);
        bytes += buf.length;
        const ok = scanner.push(buf, out);
        run.drain(out);
        options.onProgress?.({ file, bytes, size, exchanges: counts.exchanges });
        // A malformed HAR cannot be resynchronised, an over-long line may never end: leaving the loop closes the file.
        if (ok === false) break;
      }
      scanner.end(out);
      run.drain(out);
    } catch (err) {
      run.inputError({ message: `cannot read ${file}: ${(err as Error).message}`, offset: bytes });
    }
  }
  return run.result();
}
