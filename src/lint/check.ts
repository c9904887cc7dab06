/**
 * Checking one exchange, without anything that depends on the exchanges before it: that part (the
 * multipart sessions) and the collecting of findings happen where exchanges are merged in order. This
 * split lets worker threads check NDJSON batches in parallel (./parallel.ts).
 */
import { redactUrl } from '../redact';
import { normalizeEndpoint, presignedSseParams, type Exchange } from '../traffic';
import {
  inspectRequest,
  inspectResponse,
  ValidationCache,
  type InspectOptions,
  type RequestInspection,
} from '../inspect';
import type { Diagnostic, Operation } from '../types';
import type { ExchangeContext } from './aggregate';
import { clientOf, userAgentOf } from './client';
import { exampleOf, recordedSecrets, withoutKeyLikeRuns } from './example';
import { urlIgnorer } from './ignore';
import { clip, MAX_URL, type LintOptions, type SkippedReason } from './types';

export { clip };

/** Counts that do not depend on findings, summed per batch. */
export interface BatchCounts {
  exchanges: number;
  checked: number;
  skipped: Partial<Record<SkippedReason, number>>;
  /** Checked exchanges by `operation\tSSE mode`, for the aggregate's clean panel. */
  byOperation: Record<string, number>;
}

/** What a finding keeps of a diagnostic: no provenance or expected values cross to the merging thread. */
export type FoundDiagnostic = Pick<
  Diagnostic,
  'code' | 'severity' | 'header' | 'message' | 'operation' | 'direction'
>;

/** What the in-order merge needs from one exchange. */
export interface Checked {
  entry: number;
  method: string;
  /** Redacted and shortened. */
  url: string;
  /** The operation, or for a skipped exchange the classifier's detail. */
  operation: string;
  skipped?: { reason: SkippedReason; detail: string };
  request: readonly FoundDiagnostic[];
  response: readonly FoundDiagnostic[];
  /** What the aggregate groups by (./aggregate.ts). */
  context: ExchangeContext;
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
export const emptyBatchCounts = (): BatchCounts => ({
  exchanges: 0,
  checked: 0,
  skipped: {},
  byOperation: {},
});

/** Example exchanges are attached for this many distinct groups per checking thread. */
const MAX_EXAMPLE_KEYS = 20_000;
/** Longer User-Agents are reduced each time rather than kept as cache keys. */
const MAX_CACHED_USER_AGENT = 512;

const slim = (list: readonly Diagnostic[]): FoundDiagnostic[] =>
  list.map((d) => {
    const f: FoundDiagnostic = { code: d.code, severity: d.severity, message: d.message };
    if (d.header !== undefined) f.header = d.header;
    if (d.operation !== undefined) f.operation = d.operation;
    if (d.direction !== undefined) f.direction = d.direction;
    return f;
  });

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
  /**
   * Group keys this thread has attached an example for. The first exchange of a group in input order is
   * the first its thread sees, so every group gets the example of its first exchange.
   */
  private readonly examples = new Set<string>();
  /** Clients by User-Agent: a log has a few User-Agents, each reduced once (bounded). */
  private readonly clients = new Map<string, string>();
  private readonly endpoints: readonly string[] | undefined;

  /**
   * @param transfer the results cross to another thread: diagnostics are cut to what a finding keeps
   * (their provenance would be cloned for nothing). In the merging thread they are read as they are.
   */
  constructor(
    private readonly options: LintOptions,
    private readonly inspectOptions: InspectOptions,
    private readonly transfer = false,
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
        keyChecks: ex.keyChecks,
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
    const sse = req.sse.method ?? 'none';
    if (c.kind === 'skipped') counts.skipped[c.reason] = (counts.skipped[c.reason] ?? 0) + 1;
    else {
      counts.checked++;
      const key = `${c.operation}\t${sse}`;
      counts.byOperation[key] = (counts.byOperation[key] ?? 0) + 1;
    }
    const response =
      ex.status === undefined
        ? []
        : inspectResponse(req, { status: ex.status, headers: ex.responseHeaders ?? [] }, this.inspectOptions);
    const session = c.kind === 'operation' && SESSION_OPS.has(c.operation);
    if (!keepAll && !session && req.diagnostics.length === 0 && response.length === 0) return undefined;
    const operation = c.kind === 'operation' ? c.operation : c.detail;
    const context: ExchangeContext = {
      client: this.clientOf(userAgentOf(ex.requestHeaders) ?? ''),
      bucket: withoutKeyLikeRuns(c.bucket ?? ''),
      sse,
    };
    if (ex.startedDateTime !== undefined) context.time = clip(ex.startedDateTime, 40);
    const checked: Checked = {
      entry: ex.entry,
      ...printed(ex),
      operation,
      request: this.transfer ? slim(req.diagnostics) : req.diagnostics,
      response: this.transfer ? slim(response) : response,
      context,
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
    if (this.wantsExample(checked, operation)) context.example = exampleOf(ex);
    return checked;
  }

  private clientOf(userAgent: string): string {
    let client = this.clients.get(userAgent);
    if (client === undefined) {
      client = withoutKeyLikeRuns(clientOf(userAgent));
      if (this.clients.size < MAX_EXAMPLE_KEYS && userAgent.length <= MAX_CACHED_USER_AGENT) {
        this.clients.set(userAgent, client);
      }
    }
    return client;
  }

  /** True the first time this thread sees one of the exchange's groups (or a session exchange's). */
  private wantsExample(c: Checked, operation: string): boolean {
    if (this.examples.size >= MAX_EXAMPLE_KEYS) return false;
    const where = `\n${c.context.client}\n${c.context.bucket}`;
    let fresh = false;
    const see = (key: string): void => {
      if (this.examples.has(key)) return;
      this.examples.add(key);
      fresh = true;
    };
    for (const d of c.request) see(`${d.code}\n${d.operation ?? operation}${where}`);
    for (const d of c.response) see(`${d.code}\n${d.operation ?? operation}${where}`);
    // A session step (session/key-mismatch) is judged where results merge, after this; the exchange that
    // fails it uses another key than the ones before it, so a key fingerprint new here takes an example.
    if (c.session) see(`session\n${operation}${where}\n${c.session.req.sse.customer?.keyMd5 ?? ''}`);
    return fresh;
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
      context: { client: '', bucket: '', sse: 'none' },
    };
  }
}
