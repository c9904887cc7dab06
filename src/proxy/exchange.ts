/** One client exchange as the proxy carries it: its state from request head to finalisation. */
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';

import type { HeaderPairs, ProxyExchange } from '../guard/contract';
import type { GuardExchange } from '../guard/core';
import { toPairs, type HeadSummary } from '../guard/headers';
import { roundMs as round } from '../guard/log';
import { MAX_CAPTURED_XML } from './options';
import type { UpstreamCall } from './upstream';

/** The empty list shared by every exchange that has none. */
export const EMPTY: string[] = [];

/** The log fields of a request answered before the guard judged it (a malformed request-target). */
export const UNJUDGED = Object.freeze({
  operation: undefined,
  verdict: 'pass',
  codes: EMPTY,
  responseCodes: EMPTY,
  diagnostics: EMPTY,
} as const);

/** What an ended exchange lets go of (see finalize); typed loosely on purpose, as live exchanges always have them. */
export const RELEASED = Object.freeze({
  req: undefined,
  res: undefined,
  call: undefined,
  capture: undefined,
  g: undefined,
});
/** The exchange a client connection is currently carrying; a property is cheaper than a WeakMap on the hot path. */
export const CURRENT = Symbol('obs-sse-proxy.exchange');
export type ExchangeSocket = Duplex & { [CURRENT]?: Exchange | undefined };

export interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Epoch milliseconds; a Date is only built for onExchange (the log line caches its ISO text per ms). */
  startedAt: number;
  t0: number;
  tChecked: number;
  tDispatch: number;
  tFirstDispatch: number;
  tSent: number;
  tResponse: number;
  tHeadersOut: number;
  method: string;
  target: string;
  /** The request head, read once. */
  head: HeadSummary;
  clientHost: string | undefined;
  expectContinue: boolean;
  /** The proxy sent 100 Continue itself (to read a form's fields); OBS's must not be relayed again. */
  continued: boolean;
  /** PostObject's fields read before the file part, for onExchange; absent for other requests. */
  formFields: HeaderPairs | undefined;
  /** The guard core's exchange, once judged (requests refused before that have none). */
  g: GuardExchange | undefined;
  /** The exchange with the upstream, once forwarded (the latest attempt's, after a retry). */
  call: UpstreamCall | undefined;
  /** The response head arrived from the upstream (tResponse is set). */
  responded: boolean;
  /** The whole request, body included, went to the upstream connection. */
  requestSent: boolean;
  /** Response-body observation, only when onExchange or the guard wants the body. */
  capture: ResponseCapture | undefined;
  piped: boolean;
  attempts: number;
  status: number | null;
  /** Response head as sent, in node's flat form (pairs are built only for onExchange). */
  responseHeaders: string[];
  responseText: string | undefined;
  error: string | undefined;
  clientGone: boolean;
  done: boolean;
  requestBodyBytes: number;
  responseBodyBytes: number;
}

export interface ResponseCapture {
  /** XML bodies up to MAX_CAPTURED_XML are kept for onExchange and the guard; undefined: not kept. */
  chunks: Buffer[] | undefined;
  captured: number;
  wantBody: boolean;
}

/** The exchange as onExchange recorders see it; `tEnd` is when it ended, `added` the latency the proxy added. */
export function proxyExchangeOf(
  ex: Exchange,
  upstreamUrl: string,
  tEnd: number,
  added: number,
): ProxyExchange {
  const g = ex.g;
  const exchange: ProxyExchange = {
    startedAt: new Date(ex.startedAt),
    method: ex.method,
    url: ex.target,
    upstreamUrl,
    requestHeaders: toPairs(ex.req.rawHeaders),
    status: ex.status,
    responseHeaders: toPairs(ex.responseHeaders),
    verdict: g?.label ?? 'pass',
    codes: g?.verdict.codes ?? [],
    responseCodes: (g?.responseCodes as string[] | undefined) ?? [],
    requestBodyBytes: ex.requestBodyBytes,
    responseBodyBytes: ex.responseBodyBytes,
    timings: {
      check: round(ex.tChecked ? ex.tChecked - ex.t0 : 0),
      send: ex.tSent ? round(ex.tSent - ex.tDispatch) : -1,
      wait: ex.tSent && ex.responded ? round(Math.max(0, ex.tResponse - ex.tSent)) : -1,
      receive: ex.responded ? round(tEnd - ex.tResponse) : -1,
      total: round(tEnd - ex.t0),
      added,
    },
  };
  if (ex.responseText !== undefined) exchange.responseText = ex.responseText;
  if (ex.formFields !== undefined) exchange.formFields = ex.formFields;
  if (g?.verdict.operation !== undefined) exchange.operation = g.verdict.operation;
  if (ex.error !== undefined) exchange.error = ex.error;
  return exchange;
}

/** A new exchange for a request head that has just arrived. */
export function newExchange(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  head: HeadSummary,
  t0: number,
  expectContinue: boolean,
): Exchange {
  return {
    req,
    res,
    startedAt: Date.now(),
    t0,
    tChecked: 0,
    tDispatch: 0,
    tFirstDispatch: 0,
    tSent: 0,
    tResponse: 0,
    tHeadersOut: 0,
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    head,
    clientHost: head.host,
    expectContinue,
    continued: false,
    formFields: undefined,
    g: undefined,
    call: undefined,
    responded: false,
    requestSent: false,
    capture: undefined,
    piped: false,
    attempts: 0,
    status: null,
    responseHeaders: EMPTY,
    responseText: undefined,
    error: undefined,
    clientGone: false,
    done: false,
    requestBodyBytes: 0,
    responseBodyBytes: 0,
  };
}

/**
 * Starts keeping a response's body for onExchange and the guard: XML bodies up to MAX_CAPTURED_XML, and
 * the byte count. Returns the tap the transport calls with each chunk.
 */
export function captureResponse(ex: Exchange, head: HeadSummary, wantBody: boolean): (chunk: Buffer) => void {
  const type = head.contentType ?? '';
  const length = Number(head.contentLength ?? 0);
  const capture: ResponseCapture = {
    chunks: /xml/i.test(type) && length <= MAX_CAPTURED_XML ? [] : undefined,
    captured: 0,
    wantBody,
  };
  ex.capture = capture;
  return (chunk: Buffer) => {
    ex.responseBodyBytes += chunk.length;
    if (capture.chunks === undefined || capture.captured > MAX_CAPTURED_XML) return;
    capture.captured += chunk.length;
    if (capture.captured <= MAX_CAPTURED_XML) capture.chunks.push(chunk);
  };
}

/** The whole response arrived: decodes what was kept and hands it to the guard if it asked. */
export function completeCapture(ex: Exchange): void {
  const capture = ex.capture;
  if (capture === undefined) return;
  if (capture.chunks !== undefined && capture.captured <= MAX_CAPTURED_XML) {
    ex.responseText = Buffer.concat(capture.chunks).toString('utf8');
  }
  // Called before the client response ends, so an upload id learnt here is known before the client
  // can send the first part that uses it.
  if (capture.wantBody) ex.g?.responseBody(ex.responseText);
}
