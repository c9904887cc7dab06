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
