/**
 * The guard contract: what an adapter (the proxy, the undici interceptor, the middleware, an SDK
 * plugin, a forward-auth server) hands the checking code, and what it gets back. Adapters never
 * interpret SSE headers themselves; they translate their host's shapes into these and run
 * {@link import('./core').createGuardCore}.
 */

import type { FormScan } from '../traffic/form';

/** Header fields in wire order and original spelling; repeated fields stay separate pairs. */
export type HeaderPairs = Array<[string, string]>;

/** `enforce` answers blocked requests itself; `report` forwards them and only logs. */
export type ProxyMode = 'enforce' | 'report';

/** The scheme of the proxy-to-OBS hop, which the `transport/*` rules need. */
export type UpstreamScheme = 'http' | 'https';

/** What the guard sees of a request: only the head, never the body. */
export interface GuardRequest {
  method: string;
  /** The origin-form request-target as received (path and query), not redacted. */
  url: string;
  headers: HeaderPairs;
  upstreamScheme: UpstreamScheme;
}

/** The guard's decision on one request. */
export interface RequestVerdict {
  /** True when the request must not reach OBS (honoured in `enforce` mode only). */
  block: boolean;
  /** Diagnostic codes, e.g. `sse-c/md5-mismatch`; these name the problem in the 400 body and in logs. */
  codes: string[];
  /** Human-readable summary for the XML error body. Must not contain secrets. */
  message?: string;
  /** Full diagnostics; logged only as `{ code, severity, header }` because they may quote header values. */
  diagnostics: unknown[];
  /** The classified OBS operation, e.g. `PutObject`. */
  operation?: string;
  /**
   * The request's SSE settings are form fields in its body (PostObject): when the verdict does not
   * block, read the fields before the file part (`peekFormFields`) and let
   * {@link ProxyGuard.checkForm} give the verdict that counts, before any body byte travels on.
   */
  readForm?: boolean;
}

/** What the guard sees of an upstream response: status and head, never the body. */
export interface GuardResponse {
  status: number;
  headers: HeaderPairs;
}

/** Findings on a response; they are logged and never change what the client receives. */
export interface ResponseFindings {
  codes: string[];
  diagnostics: unknown[];
  /**
   * Ask for the response body: the proxy then captures it when it is XML of at most 64 KiB and calls
   * {@link ProxyGuard.observeResponseBody} when it ends (InitiateMultipartUpload names its upload id there).
   */
  wantBody?: boolean;
}

/** The injected checker. Both methods run synchronously on the proxy's event loop, so keep them cheap. */
export interface ProxyGuard {
  /** Called once per request, after the head arrives and before any body byte is read or sent upstream. */
  checkRequest(req: GuardRequest): RequestVerdict;
  /**
   * Called for a verdict with `readForm`, once the form's fields before its file part are read (or
   * could not be); returns the verdict that replaces it.
   */
  checkForm?(req: GuardRequest, form: FormScan, requestVerdict: RequestVerdict): RequestVerdict;
  /** Called when the upstream response head arrives. */
  checkResponse(req: GuardRequest, res: GuardResponse, requestVerdict: RequestVerdict): ResponseFindings;
  /**
   * Called when a response whose findings set `wantBody` has ended; `body` is undefined when it was not
   * XML or larger than the capture limit.
   */
  observeResponseBody?(
    req: GuardRequest,
    res: GuardResponse,
    body: string | undefined,
    requestVerdict: RequestVerdict,
  ): void;
  /**
   * How many multipart sessions the guard's store has dropped so far to make room for newer ones; the
   * core logs increases as `session_evictions` events. Absent when the store cannot say.
   */
  sessionEvictions?(): number;
}

/** `pass`: nothing blocking; `blocked`: answered by the proxy; `reported`: would have been blocked, forwarded. */
export type VerdictLabel = 'pass' | 'blocked' | 'reported';

/** Durations in milliseconds in the spirit of HAR's `timings`; -1 where a phase did not happen. */
export interface ExchangeTimings {
  /** Time spent in `checkRequest`. */
  check: number;
  /** From dispatching the upstream request until its body was fully handed to the upstream socket. */
  send: number;
  /** From the end of sending until the upstream response head arrived. */
  wait: number;
  /** From the response head until the response to the client finished. */
  receive: number;
  /** From the request head's arrival until the exchange ended. */
  total: number;
  /** Latency the proxy itself added: checking and set-up before dispatch, plus response-head handling. */
  added: number;
}

/** One request/response as the proxy handled it, for recorders such as a HAR writer. */
export interface ProxyExchange {
  startedAt: Date;
  method: string;
  /** The request-target as received, NOT redacted: it may carry pre-signed URL credentials. */
  url: string;
  /**
   * The absolute URL of the hop to OBS (upstream scheme, the Host sent upstream, the target), NOT
   * redacted: what the request was, or would have been, forwarded to.
   */
  upstreamUrl: string;
  /** The request head as received, NOT redacted: it carries Authorization and any SSE-C key. */
  requestHeaders: HeaderPairs;
  /** Status sent to the client, or null when none was (client gone, connection cut). */
  status: number | null;
  /** The response head as sent to the client (after hop-by-hop removal). */
  responseHeaders: HeaderPairs;
  /** The response body when it is XML and at most 64 KiB, whether from OBS or from the proxy. */
  responseText?: string;
  /**
   * PostObject: the form fields the guard read before the file part, NOT redacted (the SSE-C key can
   * be one of them). Absent for every other request.
   */
  formFields?: HeaderPairs;
  verdict: VerdictLabel;
  operation?: string;
  codes: string[];
  responseCodes: string[];
  /** Why the exchange did not complete normally, e.g. `client_aborted`, `upstream_timeout`. */
  error?: string;
  requestBodyBytes: number;
  responseBodyBytes: number;
  timings: ExchangeTimings;
}

/** The structured log line written once per exchange. Header values never appear in it. */
export interface ExchangeLogLine {
  event: 'exchange';
  time: string;
  method: string;
  /** The request-target with credential query values replaced by `REDACTED`. */
  url: string;
  operation: string | null;
  verdict: VerdictLabel;
  codes: string[];
  responseCodes: string[];
  /** `{ code, severity, header }` of each request diagnostic, when there are any. */
  diagnostics?: Array<{ code?: string; severity?: string; header?: string }>;
  status: number | null;
  /** From dispatch to the upstream response head (includes upload time); null when never forwarded. */
  upstreamMs: number | null;
  addedMs: number;
  totalMs: number;
  error?: string;
}
