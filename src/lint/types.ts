/** What `obs-sse lint` produces: the stable shapes the formatters (and JSON consumers) read. */
import type { SeverityOverrides } from '../engine/report';
import type { Addressing, ContainerLimits, SkipReason, TrafficFormat } from '../traffic';
import type { Dialect, Direction, Scheme, Severity } from '../types';
import type { Aggregate } from './aggregate';

/**
 * Why an exchange was not checked: the classifier's reasons, an `--ignore-url` glob, a recording
 * without request headers, or a PostObject without its form body (where its SSE settings are). The
 * last two have nothing to judge: counting them as checked would claim a clean exchange.
 */
export type SkippedReason = SkipReason | 'ignored-url' | 'no-request-headers' | 'no-request-body';

/** One diagnostic of one exchange, located in its input. */
export interface Finding {
  /** The input as named on the command line; `<stdin>` for standard input. */
  file: string;
  /** 0-based HAR `log.entries` index, or 0-based NDJSON line number. */
  entry: number;
  /** 1-based line, for NDJSON inputs (`entry + 1`). */
  line?: number;
  /** The checked operation, or for `operation/unlisted-sse` the name of the unlisted one. */
  operation?: string;
  direction: Direction;
  code: string;
  severity: Severity;
  header?: string;
  /** Shortened to at most {@link MAX_MESSAGE} characters. */
  message: string;
  method: string;
  /** With credentials in the query string redacted (src/redact.ts), shortened to {@link MAX_URL}. */
  url: string;
}

/** An input that could not be read, or a record in it that could not be used. */
export interface InputError {
  file: string;
  /** The HAR entry or 0-based NDJSON line the error belongs to, when it belongs to one. */
  entry?: number;
  /** 1-based. */
  line?: number;
  /** 1-based, in bytes. */
  column?: number;
  /** 0-based byte offset. */
  offset?: number;
  message: string;
}

/** Counts shared by the whole run and each file. */
export interface Counts {
  /** Exchanges read (checked, skipped and ignored). */
  exchanges: number;
  /** Exchanges classified as one of the checked operations. */
  checked: number;
  skipped: Partial<Record<SkippedReason, number>>;
  errors: number;
  warnings: number;
  infos: number;
  inputErrors: number;
}

/** Counts for one input. */
export interface FileSummary extends Counts {
  file: string;
  /** Absent when the input could not be opened or its format not told. */
  format?: TrafficFormat;
  /** The container layers read through, outermost first (`gzip`, `zip har.har`), when there were any. */
  container?: string;
}

/** Counts for the run. */
export interface Summary extends Counts {
  files: number;
  /** Findings counted but not listed beyond `maxFindings` (0 unless a limit was set). */
  findingsOmitted: number;
  /** Input errors counted but not listed beyond {@link MAX_INPUT_ERRORS}. */
  inputErrorsOmitted: number;
}

/** One exchange, as the JUnit formatter lists it (kept only on request). */
export interface ExchangeRecord {
  file: string;
  entry: number;
  line?: number;
  method: string;
  url: string;
  operation?: string;
  /** Why the exchange was not checked. */
  skipped?: { reason: SkippedReason; detail: string };
}

/** One exchange as the formatters receive it, in input order: its record and its findings. */
export interface ReportedExchange extends ExchangeRecord {
  findings: Finding[];
}

/** What a run ends with: everything but the findings, which were streamed. */
export interface LintOutcome {
  summary: Summary;
  files: FileSummary[];
  /** The first {@link MAX_INPUT_ERRORS} input errors; `summary.inputErrors` counts them all. */
  inputErrors: InputError[];
  /** The findings grouped by code, operation, client and bucket (./aggregate.ts). */
  aggregate?: Aggregate;
}

/**
 * Receives a run as it is produced, in input order: the exchanges with findings (every exchange when
 * `keepExchanges` is set), input errors, the end of each file. The formatters are such sinks, so
 * memory does not grow with the number of findings.
 */
export interface LintSink {
  exchange(x: ReportedExchange): void;
  inputError(e: InputError): void;
  fileDone(f: FileSummary): void;
}

/** The outcome of {@link lint}: the run with its findings collected. */
export interface LintResult extends LintOutcome {
  findings: Finding[];
  /** Every exchange, in order, when `keepExchanges` was set (up to `maxFindings` findings). */
  exchanges?: ExchangeRecord[];
}

/** Progress of one input, reported after each chunk read. */
export interface Progress {
  file: string;
  bytes: number;
  /** Total bytes, when known (files, not pipes). */
  size?: number;
  exchanges: number;
}

/** Options of {@link lint}. */
export interface LintOptions {
  /** Force the input format; by default from the file name, else from the first bytes. */
  input?: TrafficFormat;
  addressing?: Addressing;
  /**
   * Endpoint host names the recording talks to (private endpoints, CNAMEs, `localhost`), besides OBS's
   * public ones: `<bucket>.<endpoint>` is virtual-hosted, the endpoint itself path-style.
   */
  endpoints?: readonly string[];
  /**
   * The transport of the hop to OBS, for logs taken on another hop (plain HTTP in front of an HTTPS
   * upstream). An exchange's own `scheme` (NDJSON) still wins; without either the URL's is used.
   */
  assumeScheme?: Scheme;
  /** Values meaning "sent, hidden by the recorder" besides the common markers (src/redact.ts). */
  redactionMarkers?: readonly string[];
  dialect?: Dialect | 'auto';
  /** Per-code severities (`off` drops the code), from `--rule` and the config file. */
  severity?: SeverityOverrides;
  /** Exchanges whose URL (without query) or path matches one of these globs are not checked. */
  ignoreUrls?: readonly string[];
  /**
   * Findings beyond this are counted (`findingsOmitted`) but not listed, and no exchange after the
   * limit is listed. Default: no limit.
   */
  maxFindings?: number;
  /** Groups of the aggregate beyond this are folded into one overflow group per code. Default 1 000. */
  maxGroups?: number;
  /** Keep one record per exchange, for formats that list every exchange (JUnit). */
  keepExchanges?: boolean;
  onProgress?: (progress: Progress) => void;
  /**
   * Worker threads for NDJSON inputs of at least `parallelMinBytes` (and pipes, whose size is unknown);
   * 1 checks in this thread. Default: 1 below four cores, else up to 3.
   */
  jobs?: number;
  /** Smallest NDJSON file checked by worker threads. Default 32 MiB, or 0 when `jobs` is given. */
  parallelMinBytes?: number;
  /** Bytes per batch handed to a worker thread. Default 256 KiB. */
  batchBytes?: number;
  /** Bounds on what a gzip, zlib or zip input may expand to (zip bombs are refused). */
  containerLimits?: ContainerLimits;
  /**
   * The longest NDJSON line read, in bytes; a longer one is an input error naming its line, and ends
   * the reading of that input (its end may never come: `/dev/zero`). Default 64 MiB.
   */
  maxLineBytes?: number;
}

/** The longest message a finding keeps. */
export const MAX_MESSAGE = 1000;
/** The longest URL a finding keeps. */
export const MAX_URL = 2048;
/** `s` shortened to `max` characters. */
export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
/** How many input errors a run lists; the rest are counted (`inputErrorsOmitted`). */
export const MAX_INPUT_ERRORS = 1000;
