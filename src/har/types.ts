/**
 * The subset of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) this project writes and
 * reads. Fields the spec marks required are required here too, so anything typed as a
 * {@link HarEntry} is a valid HAR entry.
 */

/** A name/value pair: a header, a query parameter or a cookie. */
export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

/** A posted form field; file fields carry `fileName`/`contentType` and never their content. */
export interface HarParam {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  comment?: string;
}

/** A request body. The spec makes `text` and `params` mutually exclusive. */
export interface HarPostData {
  mimeType: string;
  params?: HarParam[];
  text?: string;
  comment?: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** -1 when unknown. */
  headersSize: number;
  /** Bytes of the request body; 0 when there is none, -1 when unknown. */
  bodySize: number;
  comment?: string;
}

export interface HarContent {
  /** Bytes of the (decoded) response body. */
  size: number;
  mimeType: string;
  /** Only small XML control bodies are kept; object data never is. */
  text?: string;
  encoding?: string;
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

/** Milliseconds; `send`, `wait` and `receive` are required, the others are -1 when not applicable. */
export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

export interface HarEntry {
  pageref?: string;
  /** ISO 8601 with milliseconds and zone, as `Date.prototype.toISOString` gives. */
  startedDateTime: string;
  /** Total milliseconds: the sum of the non-negative timings. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  /** Required by the spec; this project records no cache state. */
  cache: Record<string, never>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  /** Key-check conclusions for redacted customer keys (see {@link ObsSseHarField}). */
  _obsSse?: ObsSseHarField;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarLog {
  version: '1.2';
  creator: HarCreator;
  browser?: HarCreator;
  pages?: unknown[];
  entries: HarEntry[];
  comment?: string;
}

/** A whole HAR document. */
export interface Har {
  log: HarLog;
}

/**
 * The `_obsSse` custom field (HAR 1.2 allows fields starting with `_`) of an entry whose customer key was
 * redacted: what the checks that needed the key concluded, so `obs-sse lint` can report what the proxy saw.
 */
export interface ObsSseHarField {
  keyChecks: HarKeyCheck[];
}

/** The conclusions about one customer key header; never the key, nothing derived from it but these facts. */
export interface HarKeyCheck {
  /** The key header, lower-case, e.g. `x-amz-server-side-encryption-customer-key`. */
  header: string;
  /** How many bytes the key decodes to; absent when it is not base64 at all. */
  keyBytes?: number;
  /** Whether the MD5 sent with the key is the key's MD5; absent when there was no well-formed MD5 to compare. */
  md5Matches?: boolean;
  /** The codes the key checks raised, e.g. `sse-c/invalid-key`, `sse-c/md5-mismatch`. */
  codes: string[];
}
