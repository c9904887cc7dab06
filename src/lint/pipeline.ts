/**
 * The lint pipeline: open each input, tell its format, stream its exchanges through the readers of
 * src/traffic and the checks of src/inspect, and hand the findings to a sink (a formatter) in input order.
 * Exchanges are dropped as soon as they are checked and findings as soon as they are handed on; what is
 * kept (counts, the aggregate) is bounded. Large NDJSON inputs are checked by worker threads in batches
 * (./parallel.ts) and merged here in input order.
 */
import { availableParallelism } from 'node:os';
import { redactByValue, SecretValues } from '../redact';
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
import { Aggregator } from './aggregate';
import {
  emptyBatchCounts,
  ExchangeChecker,
  runInspectOptions,
  uncheckedMessage,
  type BatchCounts,
  type Checked,
  type FoundDiagnostic,
} from './check';
import { lintSplitter } from './batch';
import { toBuffer, type LintInput } from './inputs';
import { lintNdjsonInWorkers, workerScript } from './parallel';
import {
  clip,
  MAX_INPUT_ERRORS,
  MAX_MESSAGE,
  type Counts,
  type ExchangeRecord,
  type FileSummary,
  type Finding,
  type InputError,
  type LintOptions,
  type LintOutcome,
  type LintResult,
  type LintSink,
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
  return { ...emptyCounts(), files: 0, findingsOmitted: 0, inputErrorsOmitted: 0 };
}

const severityCount = { error: 'errors', warning: 'warnings', info: 'infos' } as const;

/**
 * The state of one run, fed in input order: counts, the session tracker and the aggregate. Each exchange
 * with findings goes to the sink as soon as it is merged and is not kept here.
 */
export class Run {
  readonly files: FileSummary[] = [];
  readonly total = emptyCounts();
  readonly checker: ExchangeChecker;
  readonly keepAll: boolean;
  private readonly inputErrors: InputError[] = [];
  private inputErrorsOmitted = 0;
  private listed = 0;
  private findingsOmitted = 0;
  private readonly maxFindings: number;
  private readonly sessions: SessionTracker;
  private readonly aggregator: Aggregator;
  private file = '';
  private counts: FileSummary = { file: '', ...emptyCounts() };
  private ndjson = false;
  /** Counts of the exchanges checked in this thread, folded in by {@link flushCounts}. */
  private readonly local = emptyBatchCounts();

  constructor(
    readonly options: LintOptions,
    private readonly sink: LintSink,
  ) {
    this.maxFindings = options.maxFindings ?? Infinity;
    const inspectOptions = runInspectOptions(options);
    this.sessions = new SessionTracker(inspectOptions);
    this.checker = new ExchangeChecker(options, inspectOptions);
    this.keepAll = options.keepExchanges === true;
    this.aggregator = new Aggregator(options.maxGroups);
  }

  startFile(file: string): FileSummary {
    this.file = file;
    this.counts = { file, ...emptyCounts() };
    this.ndjson = false;
    this.files.push(this.counts);
    return this.counts;
  }

  endFile(): void {
    this.sink.fileDone(this.counts);
  }

  setFormat(format: TrafficFormat): void {
    this.counts.format = format;
    this.ndjson = format === 'ndjson';
  }

  inputError(e: Omit<InputError, 'file'>): void {
    this.counts.inputErrors++;
    this.total.inputErrors++;
    if (this.inputErrors.length >= MAX_INPUT_ERRORS) {
      this.inputErrorsOmitted++;
      return;
    }
    // Reader messages quote names (`requestHeaders["…"]`), and a name can hold a key.
    const error: InputError = { file: this.file, ...e, message: clip(redactByValue(e.message), MAX_MESSAGE) };
    this.inputErrors.push(error);
    this.sink.inputError(error);
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
    this.aggregator.addChecked(c.byOperation);
    c.exchanges = 0;
    c.checked = 0;
    c.skipped = {};
    c.byOperation = {};
  }

  /** An exchange that threw while being checked: an input error for that entry, and reading goes on. */
  private uncheckable(entry: number, err: unknown): void {
    const e: Omit<InputError, 'file'> = { entry, message: '' };
    if (this.ndjson) e.line = entry + 1;
    e.message = uncheckedMessage(this.ndjson ? `line ${entry + 1}` : `entry ${entry}`, err);
    this.inputError(e);
  }

  /**
   * Merges one checked exchange: its findings, in order with its session step, to the aggregate and the
   * sink; a throw costs that entry only.
   */
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
    const record: ExchangeRecord = { file: this.file, entry: c.entry, method: safe(c.method), url: c.url };
    if (this.ndjson) record.line = c.entry + 1;
    if (c.skipped) record.skipped = { reason: c.skipped.reason, detail: safe(c.skipped.detail) };
    else record.operation = safe(c.operation);
    const findings: Finding[] = [];
    if (c.request.length > 0) this.add(c, c.request, findings, safe);
    if (c.session) {
      const diags = this.sessions.request(c.session.req);
      if (diags.length > 0) this.add(c, diags, findings, safe);
    }
    if (c.response.length > 0) this.add(c, c.response, findings, safe);
    if (c.session?.status !== undefined) {
      this.sessions.response(c.session.req, { status: c.session.status, body: c.session.body });
    }
    this.aggregator.add(record, findings, c.context);
    if (this.listed >= this.maxFindings) {
      this.findingsOmitted += findings.length;
      return;
    }
    let shown = findings;
    if (this.listed + findings.length > this.maxFindings) {
      shown = findings.slice(0, this.maxFindings - this.listed);
      this.findingsOmitted += findings.length - shown.length;
    }
    this.listed += shown.length;
    if (shown.length > 0 || this.keepAll) this.sink.exchange({ ...record, findings: shown });
  }

  private add(
    c: Checked,
    list: readonly FoundDiagnostic[],
    out: Finding[],
    safe: (text: string) => string,
  ): void {
    const { counts, total } = this;
    for (const d of list) {
      const key = severityCount[d.severity];
      counts[key]++;
      total[key]++;
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
      out.push(f);
    }
  }

  outcome(): LintOutcome {
    return {
      summary: {
        ...this.total,
        files: this.files.length,
        findingsOmitted: this.findingsOmitted,
        inputErrorsOmitted: this.inputErrorsOmitted,
      },
      files: this.files,
      inputErrors: this.inputErrors,
      aggregate: this.aggregator.result(),
    };
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

/** Lints the inputs one after another, collecting the findings (see {@link lintTo} to stream them). */
export async function lint(inputs: readonly LintInput[], options: LintOptions = {}): Promise<LintResult> {
  const findings: Finding[] = [];
  const exchanges: ExchangeRecord[] | undefined = options.keepExchanges ? [] : undefined;
  const outcome = await lintTo(
    inputs,
    {
      exchange({ findings: found, ...record }) {
        for (const f of found) findings.push(f);
        exchanges?.push(record);
      },
      inputError() {},
      fileDone() {},
    },
    options,
  );
  const result: LintResult = { ...outcome, findings };
  if (exchanges) result.exchanges = exchanges;
  return result;
}

/**
 * Lints the inputs one after another, handing each exchange with findings to `sink` as it is merged;
 * one multipart session tracker spans all inputs, in order.
 */
export async function lintTo(
  inputs: readonly LintInput[],
  sink: LintSink,
  options: LintOptions = {},
): Promise<LintOutcome> {
  const run = new Run(options, sink);
  for (const input of inputs) {
    run.startFile(input.name);
    await lintInput(run, input, options);
    run.endFile();
  }
  return run.outcome();
}

/** Lints one input into the run; what cannot be read becomes an input error. */
async function lintInput(run: Run, input: LintInput, options: LintOptions): Promise<void> {
  const file = input.name;
  const counts = run.files[run.files.length - 1] as FileSummary;
  let source: ByteSource;
  let size: number | undefined;
  let path: string | undefined;
  try {
    ({ source, size, path } = await input.open());
  } catch (err) {
    run.inputError({ message: (err as Error).message });
    return;
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
        return;
      }
    }
    run.setFormat(format);
    const workers = format === 'ndjson' ? workersFor(options, size) : 0;
    if (workers > 0) {
      await lintNdjsonInWorkers(source, run, workers, (n) => {
        bytes = n;
        options.onProgress?.({ file, bytes, size, exchanges: counts.exchanges });
      });
      return;
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
      // A malformed HAR cannot be resynchronised; leaving the loop closes the file.
      if (ok === false) break;
    }
    scanner.end(out);
    run.drain(out);
  } catch (err) {
    run.inputError({ message: `cannot read ${file}: ${(err as Error).message}`, offset: bytes });
  }
}
