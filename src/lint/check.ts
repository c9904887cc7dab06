/**
 * Checking one exchange, without anything that depends on the exchanges before it: that part (the
 * multipart sessions) and the collecting of findings happen where exchanges are merged in order. This
 * split lets worker threads check NDJSON batches in parallel (./parallel.ts).
 */
import { exchangeSecrets, redactUrl, type SecretValues } from '../redact';
import { normalizeEndpoint, presignedSseParams, type Exchange } from '../traffic';
import {
  inspectRequest,
  inspectResponse,
  ValidationCache,
  type InspectOptions,
  type RequestInspection,
} from '../inspect';
import type { Diagnostic, Operation } from '../types';
import { urlIgnorer } from './ignore';
import { MAX_URL, type LintOptions, type SkippedReason } from './types';

/** Counts that do not depend on findings, summed per batch. */
export interface BatchCounts {
  exchanges: number;
  checked: number;
  skipped: Partial<Record<SkippedReason, number>>;
}

/** What the in-order merge needs from one exchange. */
export interface Checked {
  entry: number;
  method: string;
  /** Redacted and shortened. */
  url: string;
  /** The operation, or for a skipped exchange the classifier's detail. */
  operation: string;
  skipped?: { reason: SkippedReason; detail: string };
  request: readonly Diagnostic[];
  response: readonly Diagnostic[];
  /** Set for the multipart operations and appends, whose checks depend on earlier exchanges. */
  session?: { req: RequestInspection; status?: number; body?: string };
  /**
   * The exchange's secrets ({@link SecretValues.list}), when it has any: whatever is printed about
   * it is redacted with them where findings are made (./pipeline.ts), possibly in another thread.
   */
  secrets?: string[];
}

const SESSION_OPS: ReadonlySet<Operation> = new Set([
  'InitiateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AppendObject',
]);

/** `s` shortened to `max` characters. */
export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The secrets of a recorded exchange: in its URL, headers, form fields and bodies. */
export function recordedSecrets(ex: Exchange): SecretValues {
  return exchangeSecrets({
    url: ex.url,
    headers: ex.responseHeaders ? [...ex.requestHeaders, ...ex.responseHeaders] : ex.requestHeaders,
    fields: ex.postData?.params,
    texts: [ex.postData?.text, ex.responseText],
  });
}

/** What an exchange is printed as: redacted with its secrets, and shortened. */
function printed(ex: Exchange): Pick<Checked, 'method' | 'url' | 'secrets'> {
  const secrets = recordedSecrets(ex);
  const p: Pick<Checked, 'method' | 'url' | 'secrets'> = {
    method: ex.method,
    url: clip(redactUrl(ex.url, secrets), MAX_URL),
  };
  if (secrets.size > 0) p.secrets = secrets.list();
  return p;
}

/**
 * The message of an exchange that could not be checked: an exception in parsing or classifying it
 * (a form part that breaks the form parser, say) costs that entry only. `where` is `entry 3` or `line 4`.
 */
export function uncheckedMessage(where: string, err: unknown): string {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `${where}: could not be checked (${what}); the other exchanges are`;
}

/** Zero counts. */
export const emptyBatchCounts = (): BatchCounts => ({ exchanges: 0, checked: 0, skipped: {} });

/** Inspect options for a run: its severities, and a validation cache (the run is short-lived). */
export function runInspectOptions(options: LintOptions): InspectOptions {
  const o: InspectOptions = { cache: new ValidationCache() };
  if (options.severity) o.severity = options.severity;
  if (options.redactionMarkers) o.redactionMarkers = options.redactionMarkers;
  return o;
}

/** Runs the per-exchange checks with a run's options. */
export class ExchangeChecker {
  private readonly ignored: ((url: string) => boolean) | undefined;
  private readonly endpoints: readonly string[] | undefined;

  constructor(
    private readonly options: LintOptions,
    private readonly inspectOptions: InspectOptions,
  ) {
    this.ignored = urlIgnorer(options.ignoreUrls);
    this.endpoints = options.endpoints?.map(normalizeEndpoint);
  }

  /**
   * Checks one exchange and counts it. Returns what the merge needs, or undefined for an exchange with
   * nothing to report and no session step (most of them), unless `keepAll` asks for every exchange.
   */
  check(ex: Exchange, counts: BatchCounts, keepAll: boolean): Checked | undefined {
    counts.exchanges++;
    if (this.ignored?.(ex.url))
      return this.unchecked(ex, counts, keepAll, 'ignored-url', 'matched --ignore-url');
    const req = inspectRequest(
      {
        method: ex.method,
        url: ex.url,
        headers: ex.requestHeaders,
        postData: ex.postData,
        addressing: this.options.addressing,
        dialect: this.options.dialect,
        endpoints: this.endpoints,
        authorityFromHeaders: true,
        schemeOverride: ex.scheme ?? this.options.assumeScheme,
      },
      this.inspectOptions,
    );
    // An operation recorded without request headers (and no SSE settings in a pre-signed URL or a
    // form body) has nothing to judge: counting it as checked would report a clean exchange that was
    // never seen. The classifier's own reasons come first.
    if (
      req.classification.kind === 'operation' &&
      ex.requestHeaders.length === 0 &&
      ex.postData === undefined &&
      presignedSseParams(ex.url).length === 0
    ) {
      const what = req.classification.operation;
      return this.unchecked(
        ex,
        counts,
        keepAll,
        'no-request-headers',
        `${what} recorded without request headers`,
      );
    }
    // PostObject's SSE settings are form fields: an access log, which holds no body, cannot show them.
    if (
      req.classification.kind === 'operation' &&
      req.classification.operation === 'PostObject' &&
      !ex.postData
    ) {
      return this.unchecked(
        ex,
        counts,
        keepAll,
        'no-request-body',
        'PostObject recorded without its form body',
      );
    }
    const c = req.classification;
    if (c.kind === 'skipped') counts.skipped[c.reason] = (counts.skipped[c.reason] ?? 0) + 1;
    else counts.checked++;
    const response =
      ex.status === undefined
        ? []
        : inspectResponse(req, { status: ex.status, headers: ex.responseHeaders ?? [] }, this.inspectOptions);
    const session = c.kind === 'operation' && SESSION_OPS.has(c.operation);
    if (!keepAll && !session && req.diagnostics.length === 0 && response.length === 0) return undefined;
    const checked: Checked = {
      entry: ex.entry,
      ...printed(ex),
      operation: c.kind === 'operation' ? c.operation : c.detail,
      request: req.diagnostics,
      response,
    };
    if (c.kind === 'skipped') checked.skipped = { reason: c.reason, detail: c.detail };
    if (session) {
      // The diagnostics travel in `request`; the session step needs the rest of the inspection.
      checked.session = { req: { ...req, diagnostics: [] } };
      if (ex.status !== undefined) checked.session.status = ex.status;
      if (ex.responseText !== undefined && c.operation === 'InitiateMultipartUpload') {
        checked.session.body = ex.responseText;
      }
    }
    return checked;
  }

  /** Counts an exchange that is not checked; the record of it only when `keepAll` asks. */
  private unchecked(
    ex: Exchange,
    counts: BatchCounts,
    keepAll: boolean,
    reason: SkippedReason,
    detail: string,
  ): Checked | undefined {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
    if (!keepAll) return undefined;
    return {
      entry: ex.entry,
      ...printed(ex),
      operation: '',
      skipped: { reason, detail },
      request: [],
      response: [],
    };
  }
}
