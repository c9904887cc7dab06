import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { HarParam } from '../har/types';
import type { Dialect } from '../types';
import type { StandinOperation, Target } from './route';
import {
  checkCustomerKey,
  storedFromRequest,
  type KmsIdentity,
  type SseError,
  type SseRequest,
  type StoredSse,
} from './sse';
import type { BodyDigest, Store, StoredObject } from './store';
import { xmlDocument, type XmlFields } from './xml';

/** The object (or part) an exchange wrote, as the record reports it. */
export interface StoredRecord {
  bucket: string;
  key: string;
  size: number;
  sha256?: string;
  partNumber?: number;
}

/** The record of a whole object a handler wrote; its SHA-256 only where the stand-in knows it. */
export function storedRecord(obj: StoredObject): StoredRecord {
  return {
    bucket: obj.bucket,
    key: obj.key,
    size: obj.size,
    ...(obj.sha256 !== undefined ? { sha256: obj.sha256 } : {}),
  };
}

/** What a handler is given about one request; the server fills it in before routing. */
export interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  scheme: 'http' | 'https';
  started: Date;
  /** `performance.now()` on arrival and once the body was read: the HAR's send and wait timings. */
  t0: number;
  tBody: number;
  op: StandinOperation;
  dialect: Dialect;
  /** `x-obs-` or `x-amz-`, after {@link Ctx.dialect}. */
  p: string;
  target: Target;
  query: Map<string, string>;
  header: (name: string) => string | undefined;
  requestId: string;
  body: BodyDigest;
  sse: SseRequest;
  formFields?: [string, string][];
  harParams?: HarParam[];
  /** The parsed PostObject form. */
  form?: {
    get: (name: string) => string | undefined;
    file?: BodyDigest;
    fileInfo?: { filename: string; mimeType: string };
  };
  /** Set by the handler that wrote an object or part; recorded only for a success answer. */
  stored?: StoredRecord;
}

/** What one stand-in shares with every handler. */
export interface Env {
  store: Store;
  kms: KmsIdentity;
  /** Objects and parts up to this many bytes are kept. */
  retainLimit: number;
  /** `host:port` the stand-in listens on, for URLs of requests that sent no Host. */
  authority: string;
}

/** A handler's answer, before the server adds its common headers and Content-Length. */
export type Reply = {
  status: number;
  headers?: [string, string][];
  body?: string | Buffer;
  errorCode?: string;
};

/** One operation family's code: an answer, or an {@link HttpError} thrown for OBS's error answer. */
export type Handler = (ctx: Ctx, env: Env) => Reply;

/** An OBS error answer, thrown from anywhere in a handler; the server turns it into the XML error. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws the error answer an SSE check returned, if any. */
export const fail = (e: SseError | undefined): void => {
  if (e) throw new HttpError(e.status, e.code, e.message);
};

/** Upper-case hex of `bytes` random bytes, the shape of OBS request ids. */
export const hexId = (bytes: number): string => randomBytes(bytes).toString('hex').toUpperCase();
/** Hex SHA-256. */
export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A 200 (or `status`) answer with an XML document in the request's dialect. */
export function xmlReply(
  ctx: Ctx,
  root: string,
  fields: XmlFields,
  headers: [string, string][] = [],
  status = 200,
): Reply {
  return {
    status,
    headers: [['Content-Type', 'application/xml'], ...headers],
    body: xmlDocument(root, fields, ctx.dialect),
  };
}

/** The bucket a request names; classification already sent bucket-less requests elsewhere. */
export function requireBucket(ctx: Ctx): string {
  if (ctx.target.bucket === undefined)
    throw new HttpError(400, 'InvalidBucketName', 'The request names no bucket.');
  return ctx.target.bucket;
}

/** The request's `meta-*` headers in its dialect, names without the prefix. */
export function metadataOf(ctx: Ctx): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (name.startsWith(`${ctx.p}meta-`) && value !== undefined) {
      out.push([name.slice(ctx.p.length), Array.isArray(value) ? value.join(',') : value]);
    }
  }
  return out;
}

/** Target SSE-C checks shared by every operation that takes the triple. */
export function checkSseC(ctx: Ctx): void {
  fail(checkCustomerKey(ctx.sse.customer, 'customer key'));
  fail(checkCustomerKey(ctx.sse.copySourceCustomer, 'copy-source customer key'));
}

/** How a write into `bucket` is encrypted: as the request asks, else as the bucket's default. */
export function writeSse(ctx: Ctx, env: Env, bucket: string): StoredSse | undefined {
  return storedFromRequest(ctx.sse, ctx.dialect, env.kms, env.store.bucket(bucket).defaultSse);
}
