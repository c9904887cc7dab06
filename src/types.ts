import type { Operation } from '../generated/types';

export type { Operation };
export type Direction = 'request' | 'response';
export type Scheme = 'http' | 'https';
export type Severity = 'error' | 'warning' | 'info';
/** The header spelling family: OBS's own `x-obs-` headers, or the S3-compatible `x-amz-` ones. */
export type Dialect = 'obs' | 's3';

/**
 * Where a rule comes from: a cell of the seed tables, a fact from OBS's per-API pages, the official SDK's source
 * (where neither says anything), or this project.
 */
export interface Provenance {
  source: 'seed' | 'per-API' | 'sdk' | 'extension';
  /** Seed table number (1 or 2), for `source: 'seed'`. */
  table?: number;
  /** The seed row (documented header name). */
  header?: string;
  /** The seed column (API name as the table prints it). */
  column?: string;
  /** Number of the cross-header fact in the reference page. */
  fact?: number;
  /** The OBS per-API page and the table or constraint relied on, for `source: 'per-API'`. */
  page?: string;
  /** Package, version and source lines, for `source: 'sdk'` (the official SDK, where no page says it). */
  ref?: string;
  note?: string;
}

/** The one diagnostic shape every layer (engine, linter, proxy, hooks) reports. */
export interface Diagnostic {
  /** Stable id such as `sse-c/md5-mismatch`; `obs-sse rules` lists them all. */
  code: string;
  severity: Severity;
  /** Lower-case header name as sent, where one header is at fault. */
  header?: string;
  /** What is wrong and what would be right. Never contains a customer key. */
  message: string;
  /** Values that would be accepted, in the dialect of the request. */
  expected?: string[];
  /** The received value, shortened; absent for secret headers. */
  received?: string;
  operation?: Operation;
  direction?: Direction;
  provenance: Provenance[];
}

/** A value as node:http, fetch or a log may carry it. */
export type HeaderValue = string | number | readonly string[] | undefined | null;

/**
 * Header maps the engine accepts: a plain object (node:http `IncomingHttpHeaders`, `OutgoingHttpHeaders`),
 * a WHATWG `Headers`, a `Map`, an iterable of `[name, value]` pairs, or node's flat `rawHeaders` array.
 */
export type HeaderInput =
  { readonly [name: string]: unknown } | Iterable<readonly [string, unknown]> | readonly string[];

export interface ValidateOptions {
  operation: Operation;
  direction: Direction;
  headers: HeaderInput;
  /** The transport of the hop to OBS, when known; enables the `transport/*` rules. */
  scheme?: Scheme;
  /** `auto` (the default) detects the dialect from the headers present. */
  dialect?: Dialect | 'auto';
  /**
   * AppendObject's `position` query parameter, when known: 0 is the first append, which may set SSE-KMS;
   * a later append (position > 0) must not carry SSE-KMS headers (追加写对象, constraint 3). Unknown, only the
   * rules that hold at any position apply. Ignored for other operations.
   */
  position?: number;
  /**
   * The request's URL or request-target (`/bucket/key?query`), when known: its query and fragment are
   * checked for customer keys (`sse-c/key-in-url`). Diagnostics name the parameter, never its value.
   */
  url?: string;
}

export interface ValidationResult {
  /** True exactly when no diagnostic is an error. */
  valid: boolean;
  diagnostics: Diagnostic[];
  /** The dialect the headers were read in. */
  dialect: Dialect;
}
