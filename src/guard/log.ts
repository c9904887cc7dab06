/**
 * The one log-line shape of every guarded exchange, whether the proxy, the undici interceptor or the
 * middleware saw it. Lines carry codes, header names and timings; never a header value, never a
 * credential query value, never a customer key wherever in the exchange it was sent.
 */
import { loggableDiagnostics } from '../proxy/headers';
import type { ExchangeLogLine, VerdictLabel } from '../proxy/types';
import { exchangeSecrets, redactByValue, redactUrl, type SecretNames } from '../redact';

/** What {@link exchangeLogLine} turns into a log line. URLs and diagnostics go in unredacted. */
export interface ExchangeLogFields {
  /** A Date, or epoch milliseconds (which spares a Date per exchange on hot paths). */
  startedAt: Date | number;
  method: string;
  /**
   * Origin-form target or absolute URL, as sent: credential and key query values, key-shaped runs and
   * the exchange's secrets (from the two fields below) are redacted here.
   */
  url: string;
  /** The request head as received, for redacting its keys wherever else they were put (the URL). */
  requestHeaders?: Iterable<readonly [string, string]> | undefined;
  /** PostObject's form fields, likewise. */
  formFields?: Iterable<readonly [string, string]> | undefined;
  /** Which header names are secret, when a checker's name cache is at hand (`checker.names`). */
  names?: SecretNames | undefined;
  operation: string | undefined;
  verdict: VerdictLabel;
  codes: readonly string[];
  responseCodes: readonly string[];
  /** Request diagnostics; reduced to `{code, severity, header}` because they may quote values. */
  diagnostics: readonly unknown[];
  status: number | null;
  upstreamMs: number | null;
  addedMs: number;
  totalMs: number;
  error?: string | undefined;
}

/** Rounds a duration to microseconds, as every log line does. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

// Under load many exchanges start within the same millisecond; formatting the time once per millisecond
// spares a Date and a toISOString per line.
let lastIsoMs = NaN;
let lastIso = '';

function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** Builds the structured line logged once per exchange. */
export function exchangeLogLine(f: ExchangeLogFields): ExchangeLogLine {
  // By name only: the URL's own key-shaped runs are found where it is redacted.
  const secrets = exchangeSecrets({
    url: f.url,
    headers: f.requestHeaders,
    fields: f.formFields,
    keyRuns: false,
    names: f.names,
  });
  const line: ExchangeLogLine = {
    event: 'exchange',
    time: isoTime(typeof f.startedAt === 'number' ? f.startedAt : f.startedAt.getTime()),
    method: secrets.size > 0 ? redactByValue(f.method, secrets) : f.method,
    url: redactUrl(f.url, secrets),
    operation: f.operation ?? null,
    verdict: f.verdict,
    codes: f.codes as string[],
    responseCodes: f.responseCodes as string[],
    status: f.status,
    upstreamMs: f.upstreamMs,
    addedMs: f.addedMs,
    totalMs: f.totalMs,
  };
  if (f.diagnostics.length > 0) {
    line.diagnostics = loggableDiagnostics(f.diagnostics);
    // A misspelt header's name is reported as sent, and a name can hold a key too.
    for (const d of line.diagnostics) if (d.header !== undefined) d.header = redactByValue(d.header, secrets);
  }
  if (f.error !== undefined) line.error = redactByValue(f.error, secrets);
  return line;
}

// Lines finished in one event-loop turn go out in one write: under load a syscall per exchange costs
// more than everything else the logger does. Shared by every proxy and hook using the default logger.
let pendingLines = '';
let flushScheduled = false;
let exitHookInstalled = false;

function flushLines(): void {
  flushScheduled = false;
  if (pendingLines === '') return;
  const out = pendingLines;
  pendingLines = '';
  process.stdout.write(out);
}

/** The default logger: JSON lines on stdout, batched per event-loop turn and flushed on exit. */
export function defaultLog(line: object): void {
  pendingLines += JSON.stringify(line) + '\n';
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushLines);
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // stdout is synchronous for files, TTYs and (on Linux) pipes, so lines pending at exit still land.
    process.once('exit', flushLines);
  }
}

/** Calls a user-supplied logger; a failing logger must not take the data path down with it. */
export function safeLog(log: (line: object) => void, line: object): void {
  try {
    log(line);
  } catch {
    // Nothing sensible to do: logging the logger's failure would go through the same logger.
  }
}
