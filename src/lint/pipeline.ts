/**
 * The lint pipeline: open each input, tell its format, stream its exchanges through the readers of
 * src/traffic and the checks of src/inspect, and collect findings and counts. Exchanges are dropped as
 * soon as they are checked; only findings (bounded in number and size) are kept.
 */
import type { Diagnostic } from '../types';
import { redactUrl } from '../redact';
import {
  detectStream,
  formatFromFileName,
  HarScanner,
  NdjsonSplitter,
  type ByteSource,
  type Exchange,
  type TrafficFormat,
  type TrafficItem,
} from '../traffic';
import { inspectRequest, inspectResponse, SessionTracker, type InspectOptions } from '../inspect';
import { urlIgnorer } from './ignore';
import type { LintInput } from './inputs';
import {
  MAX_MESSAGE,
  MAX_URL,
  type Counts,
  type ExchangeRecord,
  type FileSummary,
  type Finding,
  type InputError,
  type LintOptions,
  type LintResult,
  type SkippedReason,
} from './types';

/** The synchronous cores of the two readers, which skip a per-record async step. */
interface Scanner {
  push(chunk: Buffer, out: TrafficItem[]): boolean | void;
  end(out: TrafficItem[]): boolean | void;
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

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

const toBuffer = (c: Buffer | Uint8Array | string): Buffer =>
  typeof c === 'string' ? Buffer.from(c) : Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.length);

/** Lints the inputs one after another; one multipart session tracker spans them all, in order. */
export async function lint(inputs: readonly LintInput[], options: LintOptions = {}): Promise<LintResult> {
  const maxFindings = options.maxFindings ?? 100_000;
  const inspectOptions: InspectOptions = options.severity ? { severity: options.severity } : {};
  const sessions = new SessionTracker(inspectOptions);
  const ignored = urlIgnorer(options.ignoreUrls);
  const findings: Finding[] = [];
  const inputErrors: InputError[] = [];
  const files: FileSummary[] = [];
  const exchanges: ExchangeRecord[] | undefined = options.keepExchanges ? [] : undefined;
  const total = emptyCounts();
  let findingsOmitted = 0;

  for (const input of inputs) {
    const file = input.name;
    const counts: FileSummary = { file, ...emptyCounts() };
    files.push(counts);
    let format: TrafficFormat | undefined;

    const inputError = (e: Omit<InputError, 'file'>): void => {
      counts.inputErrors++;
      total.inputErrors++;
      inputErrors.push({ file, ...e, message: clip(e.message, MAX_MESSAGE) });
    };
    const skip = (reason: SkippedReason): void => {
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
      total.skipped[reason] = (total.skipped[reason] ?? 0) + 1;
    };

    const check = (ex: Exchange): void => {
      counts.exchanges++;
      total.exchanges++;
      const line = format === 'ndjson' ? ex.entry + 1 : undefined;
      let url: string | undefined;
      const shownUrl = (): string => (url ??= clip(redactUrl(ex.url), MAX_URL));
      const keep = (record: Omit<ExchangeRecord, 'file' | 'entry' | 'method' | 'url'>): void => {
        if (!exchanges) return;
        if (exchanges.length >= maxFindings) return;
        const r: ExchangeRecord = { file, entry: ex.entry, method: ex.method, url: shownUrl(), ...record };
        if (line !== undefined) r.line = line;
        exchanges.push(r);
      };
      if (ignored?.(ex.url)) {
        skip('ignored-url');
        keep({ skipped: { reason: 'ignored-url', detail: 'matched --ignore-url' } });
        return;
      }
      const req = inspectRequest(
        {
          method: ex.method,
          url: ex.url,
          headers: ex.requestHeaders,
          postData: ex.postData,
          addressing: options.addressing,
          dialect: options.dialect,
        },
        inspectOptions,
      );
      const c = req.classification;
      let operation: string | undefined;
      if (c.kind === 'skipped') {
        skip(c.reason);
        keep({ skipped: { reason: c.reason, detail: c.detail } });
      } else {
        operation = c.operation;
        counts.checked++;
        total.checked++;
        keep({ operation });
      }
      const add = (list: readonly Diagnostic[]): void => {
        for (const d of list) {
          if (d.severity === 'error') (counts.errors++, total.errors++);
          else if (d.severity === 'warning') (counts.warnings++, total.warnings++);
          else (counts.infos++, total.infos++);
          if (findings.length >= maxFindings) {
            findingsOmitted++;
            continue;
          }
          const f: Finding = {
            file,
            entry: ex.entry,
            direction: d.direction ?? 'request',
            code: d.code,
            severity: d.severity,
            message: clip(d.message, MAX_MESSAGE),
            method: ex.method,
            url: shownUrl(),
          };
          if (line !== undefined) f.line = line;
          const op = d.operation ?? operation ?? (c.kind === 'skipped' ? c.detail : undefined);
          if (op !== undefined) f.operation = op;
          if (d.header !== undefined) f.header = d.header;
          findings.push(f);
        }
      };
      if (req.diagnostics.length > 0) add(req.diagnostics);
      const session = sessions.request(req);
      if (session.length > 0) add(session);
      if (ex.status !== undefined) {
        const res = inspectResponse(req, { status: ex.status, headers: ex.responseHeaders ?? [] }, inspectOptions);
        if (res.length > 0) add(res);
        sessions.response(req, { status: ex.status, body: ex.responseText });
      }
    };

    const drain = (out: TrafficItem[]): void => {
      for (let i = 0; i < out.length; i++) {
        const item = out[i] as TrafficItem;
        if (item.kind === 'exchange') check(item.exchange);
        else {
          const e: Omit<InputError, 'file'> = { message: item.message, ...item.position };
          if (item.entry !== undefined) e.entry = item.entry;
          inputError(e);
        }
      }
      out.length = 0;
    };

    let source: ByteSource;
    let size: number | undefined;
    try {
      ({ source, size } = await input.open());
    } catch (err) {
      inputError({ message: (err as Error).message });
      continue;
    }
    format = options.input ?? formatFromFileName(file);
    let bytes = 0;
    try {
      if (!format) {
        const detected = await detectStream(source);
        source = detected.stream;
        format = detected.format;
        if (!format) {
          detected.stream.destroy();
          inputError({
            message: `${file}: cannot tell whether this is a HAR file or an NDJSON log; name it .har or .ndjson, or pass --input har|ndjson`,
          });
          continue;
        }
      }
      counts.format = format;
      const scanner: Scanner = format === 'har' ? new HarScanner() : new NdjsonSplitter();
      const out: TrafficItem[] = [];
      for await (const chunk of source) {
        const buf = toBuffer(chunk);
        bytes += buf.length;
        const ok = scanner.push(buf, out);
        drain(out);
        options.onProgress?.({ file, bytes, size, exchanges: counts.exchanges });
        // A malformed HAR cannot be resynchronised; leaving the loop closes the file.
        if (ok === false) break;
      }
      scanner.end(out);
      drain(out);
    } catch (err) {
      inputError({ message: `cannot read ${file}: ${(err as Error).message}`, offset: bytes });
    }
  }

  const result: LintResult = {
    summary: { ...total, files: files.length, findingsOmitted },
    files,
    findings,
    inputErrors,
  };
  if (exchanges) result.exchanges = exchanges;
  return result;
}
