import http from 'node:http';
import type { HarExchange } from '../har/writer';
import type { Dialect } from '../types';
import { redactFormFields, redactHeaders, redactUrl } from '../redact';
import { sha256, type Ctx, type Reply, type StoredRecord } from './context';
import type { StandinOperation, Target } from './route';
import type { SseRequest } from './sse';

/** Texts up to this size go into the HAR whole; form fields are capped at it so each one can. */
export const HAR_TEXT_LIMIT = 64 * 1024;

// Control requests whose bodies are XML the HAR may show (and that default to application/xml there).
const CONTROL_TEXT_OPS = new Set<StandinOperation>([
  'CompleteMultipartUpload',
  'CreateBucket',
  'DeleteObjects',
  'BucketSubresource',
]);

/** A request body as the stand-in saw it: never its content. */
export interface BodySummary {
  size: number;
  /** Hex SHA-256. */
  sha256: string;
}

/** One request/response pair, secrets redacted, as the stand-in recorded it. */
export interface RecordedExchange {
  /** 1, 2, 3… in the order responses were sent. */
  id: number;
  startedDateTime: string;
  operation: StandinOperation;
  dialect: Dialect;
  addressing: Target['addressing'];
  bucket?: string;
  key?: string;
  method: string;
  /** Absolute URL, redacted. */
  url: string;
  /** As received (names as spelled), redacted. */
  requestHeaders: [string, string][];
  /** PostObject form fields, redacted. */
  formFields?: [string, string][];
  /** The whole request body (for PostObject, the whole multipart body). */
  requestBody: BodySummary;
  /** The SSE parameters the request carried, in its dialect; holds no key material. */
  sse: SseRequest;
  status: number;
  /** The OBS error code of an error response. */
  errorCode?: string;
  responseHeaders: [string, string][];
  responseBody: BodySummary;
  /** The object (or part) this exchange wrote. */
  stored?: StoredRecord;
}

/** What went on the wire for one exchange, unredacted; the two records below redact as they need. */
export interface Wire {
  /** Absolute URL of the request. */
  url: string;
  requestHeaders: [string, string][];
  responseHeaders: [string, string][];
  /** The response body as sent: empty for HEAD. */
  body: Buffer;
}

/** The exchange as `Standin.exchanges` keeps it: redacted, bodies as sizes and digests only. */
export function recordOf(id: number, ctx: Ctx, reply: Reply, wire: Wire): RecordedExchange {
  const exchange: RecordedExchange = {
    id,
    startedDateTime: ctx.started.toISOString(),
    operation: ctx.op,
    dialect: ctx.dialect,
    addressing: ctx.target.addressing,
    method: ctx.req.method ?? 'GET',
    url: redactUrl(wire.url),
    requestHeaders: redactHeaders(wire.requestHeaders),
    requestBody: { size: ctx.body.size, sha256: ctx.body.sha256 },
    sse: ctx.sse,
    status: reply.status,
    responseHeaders: redactHeaders(wire.responseHeaders),
    responseBody: { size: wire.body.length, sha256: sha256(wire.body) },
  };
  if (ctx.target.bucket !== undefined) exchange.bucket = ctx.target.bucket;
  if (ctx.target.key !== undefined) exchange.key = ctx.target.key;
  if (ctx.formFields) exchange.formFields = redactFormFields(ctx.formFields);
  if (reply.errorCode !== undefined) exchange.errorCode = reply.errorCode;
  if (ctx.stored && reply.status < 300) exchange.stored = ctx.stored;
  return exchange;
}

/** The exchange for the HAR writer, which redacts it; object data never goes in, XML answers do. */
export function harExchangeOf(ctx: Ctx, reply: Reply, wire: Wire): HarExchange {
  const now = performance.now();
  const harExchange: HarExchange = {
    startedDateTime: ctx.started,
    method: ctx.req.method ?? 'GET',
    url: wire.url,
    httpVersion: `HTTP/${ctx.req.httpVersion}`,
    requestHeaders: wire.requestHeaders,
    status: reply.status,
    statusText: http.STATUS_CODES[reply.status] ?? '',
    responseHeaders: wire.responseHeaders,
    responseBodySize: wire.body.length,
    timings: { send: ctx.tBody - ctx.t0, wait: now - ctx.tBody, receive: 0 },
  };
  if (ctx.body.size > 0 || ctx.harParams) {
    const mimeType =
      ctx.header('content-type') ??
      (CONTROL_TEXT_OPS.has(ctx.op) ? 'application/xml' : 'application/octet-stream');
    harExchange.requestBody = { mimeType, size: ctx.body.size };
    if (ctx.harParams) harExchange.requestBody.params = ctx.harParams;
    else if (CONTROL_TEXT_OPS.has(ctx.op) && ctx.body.bytes && ctx.body.size <= HAR_TEXT_LIMIT) {
      harExchange.requestBody.text = ctx.body.bytes.toString('utf8');
    }
  }
  const isObjectData = (ctx.op === 'GetObject' || ctx.op === 'HeadObject') && reply.status < 300;
  if (!isObjectData && wire.body.length > 0 && wire.body.length <= HAR_TEXT_LIMIT) {
    harExchange.responseBodyText = wire.body.toString('utf8');
  }
  return harExchange;
}
