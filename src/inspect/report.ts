/**
 * Diagnostics that only a view of a whole exchange or session can raise (response echoes, multipart
 * sessions, SSE on operations outside the tables). They use the engine's shape, message table and
 * severity overrides, so a proxy, the linter and the engine all report alike.
 */
import { createChecker, getChecker } from '../engine/default';
import type { Checker } from '../engine/checker';
import { renderMessage, shortName, type SeverityOverrides } from '../engine/report';
import type { Diagnostic, Dialect, Direction, Operation, Provenance, Scheme } from '../types';
import type { ValidationCache } from './headers';

/** The codes this layer raises; each is defined in rules/codes.json. */
export type InspectCode =
  | 'session/key-mismatch'
  | 'append/key-mismatch'
  | 'session/store-unavailable'
  | 'response/md5-mismatch'
  | 'response/method-mismatch'
  | 'operation/unlisted-sse'
  | 'operation/invalid-sse'
  | 'session/unknown-upload'
  | 'form/unchecked'
  | 'guard/check-failed'
  | 'guard/response-check-failed';

/** Where each exchange-level check comes from (reference page, cross-header facts). */
export const INSPECT_PROVENANCE: Readonly<Record<InspectCode, readonly Provenance[]>> = {
  'session/key-mismatch': [
    {
      source: 'per-API',
      fact: 7,
      note: 'UploadPart and UploadPartCopy must carry the same SSE-C algorithm, key and MD5 as the InitiateMultipartUpload that opened the upload.',
    },
  ],
  'append/key-mismatch': [
    {
      source: 'per-API',
      page: '追加写对象 (AppendObject), 约束 (constraints) 2',
      note: '"服务端加密SSE-C方式，那么追加上传和初始化段一样，设置诸如x-obs-server-side-encryption之类的请求Header，后续追加上传也必须携带": with SSE-C, every append carries the SSE-C headers, as the parts of a multipart upload do, so each later append repeats the key of the first (position=0).',
    },
  ],
  'session/store-unavailable': [
    {
      source: 'extension',
      note: 'Replicas and worker processes share multipart sessions through a store (Redis, or the primary process); a part whose session cannot be read cannot be vouched for, so the closed failure policy refuses it.',
    },
  ],
  'response/md5-mismatch': [
    { source: 'per-API', fact: 8, note: "A response's SSE-C key MD5 should equal the request's." },
  ],
  'response/method-mismatch': [
    {
      source: 'per-API',
      fact: 8,
      note: "A response's x-obs-server-side-encryption should name the method requested.",
    },
  ],
  'operation/unlisted-sse': [
    {
      source: 'extension',
      note: 'Only the operations of the two seed tables, HeadObject and AppendObject take SSE headers; elsewhere OBS may ignore them, so this is a warning.',
    },
  ],
  'operation/invalid-sse': [
    {
      source: 'extension',
      note: 'A request the classifier cannot map to an operation may still reach an operation that reads its SSE headers (OBS routes //bucket/key, unknown methods and sub-resources its own way); a header no SSE operation would accept is refused rather than forwarded with a warning.',
    },
  ],
  'session/unknown-upload': [
    {
      source: 'extension',
      note: "A part or completion whose upload the session store does not hold (never seen, evicted, expired) cannot be held to the initiate's SSE-C key; saying so keeps an eviction from failing open in silence.",
    },
  ],
  'guard/check-failed': [
    {
      source: 'extension',
      note: 'An unchecked request is what enforce mode promises not to forward, so a guard that fails refuses (fail closed).',
    },
  ],
  'guard/response-check-failed': [
    {
      source: 'extension',
      note: 'Response findings are only logged; a failing response check is logged the same way.',
    },
  ],
  'form/unchecked': [
    {
      source: 'extension',
      note: 'PostObject carries its SSE settings as form fields; a guard that cannot read them before the file part cannot vouch for them, so it fails closed.',
    },
  ],
};

/** Options shared by every inspect function. */
export interface InspectOptions {
  /**
   * Per-code severity overrides (`off` drops a code), for engine and exchange-level codes alike. Pass the
   * same object on every call: the checker compiled for it is cached by identity.
   */
  severity?: SeverityOverrides;
  /**
   * Reuse the engine's verdict for repeated SSE header sets. Holds header values (customer keys
   * included) in memory: for short-lived processes like the linter, not for a long-running proxy.
   */
  cache?: ValidationCache;
  /**
   * Values that mean "sent, and hidden by the recorder", besides the common ones (`[REDACTED]`,
   * `REDACTED`, `***`, `<redacted>`, `[FILTERED]`): a customer key holding one is present, its content
   * unknown. Pass the same array on every call: its compiled test is cached by identity.
   */
  redactionMarkers?: readonly string[];
}

/** The engine's diagnostics of one message, and the dialect it read the message in. */
export interface Verdict {
  readonly diagnostics: readonly Diagnostic[];
  readonly dialect: Dialect;
}

const NOTHING: readonly Diagnostic[] = Object.freeze([]);
const NOTHING_OBS: Verdict = Object.freeze({ diagnostics: NOTHING, dialect: 'obs' });
const NOTHING_S3: Verdict = Object.freeze({ diagnostics: NOTHING, dialect: 's3' });

/**
 * The engine's verdict on one message, through the options' cache when there is one. The arrays may be
 * shared and frozen: read, do not modify.
 */
export function validateWith(
  options: InspectOptions | undefined,
  operation: Operation,
  direction: Direction,
  headers: readonly (readonly [string, string])[],
  scheme: Scheme | undefined,
  dialect: Dialect | 'auto',
  position?: number,
): Verdict {
  // Without SSE-looking headers the engine has nothing to say, whatever the operation (every rule
  // fires on a header that is present; test/lint/inspect.test.ts holds the engine to that).
  if (headers.length === 0) return dialect === 's3' ? NOTHING_S3 : NOTHING_OBS;
  const checker = checkerFor(options);
  if (!options?.cache) return checker.validate({ operation, direction, headers, scheme, dialect, position });
  return options.cache.validate(checker, operation, direction, headers, scheme, dialect, position);
}

// Only a query or a fragment can carry a key parameter.
const URL_PARAMS = /[?#]/;

/**
 * `v` with the engine's URL checks of a request's `url` added (`sse-c/key-in-url`). The URL is judged
 * apart from the headers, so that the cache keeps keying on header sets alone.
 */
export function withUrlChecks(
  options: InspectOptions | undefined,
  operation: Operation,
  url: string,
  v: Verdict,
): Verdict {
  if (!URL_PARAMS.test(url)) return v;
  const u = checkerFor(options).validate({ operation, direction: 'request', headers: [], url });
  if (u.diagnostics.length === 0) return v;
  return { diagnostics: [...v.diagnostics, ...u.diagnostics], dialect: v.dialect };
}

/** The engine's URL checks for a request no operation was found for (`sse-c/key-in-url`). */
export function checkUrlWith(options: InspectOptions | undefined, url: string): Diagnostic[] {
  return URL_PARAMS.test(url) ? checkerFor(options).checkUrl(url) : [];
}

const checkers = new WeakMap<SeverityOverrides, Checker>();
// Called several times per exchange with the same options: remember the last answer.
let lastSeverity: SeverityOverrides | undefined;
let lastChecker: Checker | undefined;

/** The checker compiled for the options' overrides, compiled once per overrides object. */
export function checkerFor(options: InspectOptions | undefined): Checker {
  const severity = options?.severity;
  if (!severity) return getChecker();
  if (severity === lastSeverity && lastChecker) return lastChecker;
  let c = checkers.get(severity);
  if (!c) checkers.set(severity, (c = createChecker({ severity })));
  lastSeverity = severity;
  lastChecker = c;
  return c;
}

/** What fills a message template and the optional fields of an exchange-level diagnostic. */
export interface ReportFields {
  header?: string;
  operation?: Operation;
  /** Printed in place of `{operation}` when the operation is not one of the checked ones. */
  operationName?: string;
  direction: Direction;
  other?: string;
  received?: string;
  expected?: string[];
}

/** Builds one exchange-level diagnostic, or undefined when its code is turned off. */
export function report(
  code: InspectCode,
  fields: ReportFields,
  options?: InspectOptions,
): Diagnostic | undefined {
  const def = checkerFor(options).rules.codes[code];
  if (!def) throw new Error(`${code} is missing from rules/codes.json`);
  const severity = options?.severity?.[code] ?? def.severity;
  if (severity === 'off') return undefined;
  const header = fields.header === undefined ? undefined : shortName(fields.header);
  const d: Diagnostic = {
    code,
    severity,
    message: renderMessage(def.message, {
      header,
      operation: fields.operationName ?? fields.operation,
      direction: fields.direction,
      other: fields.other === undefined ? undefined : shortName(fields.other),
      received: fields.received,
      expected: fields.expected?.join(' or '),
    }),
    direction: fields.direction,
    provenance: [...INSPECT_PROVENANCE[code]],
  };
  if (header !== undefined) d.header = header;
  if (fields.operation !== undefined) d.operation = fields.operation;
  if (fields.expected !== undefined) d.expected = fields.expected;
  if (fields.received !== undefined) d.received = fields.received;
  return d;
}
