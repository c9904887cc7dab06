import busboy from 'busboy';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { HarWriter, type HarExchange } from '../har/writer';
import type { HarParam } from '../har/types';
import { redactFormFields, redactHeaders, redactUrl } from '../redact';
import type { Dialect } from '../types';
import {
  classify,
  detectDialect,
  parseQuery,
  resolveTarget,
  type StandinOperation,
  type Target,
} from './route';
import {
  bucketDefaultFromRequest,
  checkCustomerAccess,
  checkCustomerKey,
  newKmsIdentity,
  prefixOf,
  readSseRequest,
  sseResponseHeaders,
  storedFromRequest,
  type KmsIdentity,
  type SseError,
  type SseRequest,
} from './sse';
import { awsChunkedDecoder, isAwsChunked } from './aws-chunked';
import { digestStream, Store, type BodyDigest, type StoredObject } from './store';
import { parseCompleteParts, xmlDocument, xmlError, type XmlFields } from './xml';

export type { StandinOperation } from './route';
export type { SseRequest, CustomerKeyRequest, StoredSse, KmsIdentity } from './sse';
export type { Store, StoredObject } from './store';

/** Options of {@link startStandin}. */
export interface StandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to bind; `127.0.0.1` by default. */
  host?: string;
  /** Record every exchange into this HAR file (created or truncated; complete after `close()`). */
  har?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Domains under which `{bucket}.{domain}` is virtual-hosted (real OBS endpoint names always are).
   * Default `['localhost']`; any other host, and every IP address, is path-style.
   */
  domains?: string[];
  /** Objects and parts up to this many bytes are kept so GET can return them; default 1 MiB. */
  retainLimit?: number;
  /** Region in synthesized KMS key ids; default `cn-north-4`. */
  region?: string;
}

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
  stored?: { bucket: string; key: string; size: number; sha256?: string; partNumber?: number };
}

/** A running stand-in. */
export interface Standin {
  /** `http(s)://host:port`, the path-style endpoint. */
  url: string;
  port: number;
  host: string;
  /** Every exchange so far, in response order; appended before each response is sent. */
  exchanges: RecordedExchange[];
  /** The stand-in's buckets, objects and uploads, for assertions. */
  store: Store;
  /** The fake region and account used in KMS key ids. */
  kms: KmsIdentity;
  /** Stops listening, drops open connections and completes the HAR file. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const CONTROL_BODY_LIMIT = MiB;
const HAR_TEXT_LIMIT = 64 * 1024;
const DATA_OPS = new Set<StandinOperation>(['PutObject', 'UploadPart', 'AppendObject']);
const CONTROL_TEXT_OPS = new Set<StandinOperation>([
  'CompleteMultipartUpload',
  'CreateBucket',
  'DeleteObjects',
  'BucketSubresource',
]);

interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  scheme: 'http' | 'https';
  started: Date;
  t0: number;
  tBody: number;
  op: StandinOperation;
  dialect: Dialect;
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
  stored?: RecordedExchange['stored'];
}

type Reply = { status: number; headers?: [string, string][]; body?: string | Buffer; errorCode?: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GET ?tagging of an object: an empty tag set. awscli's multipart copy reads the source's tags before copying
 * them; the stand-in keeps no tags, so every object has none.
 */
function objectTagging(ctx: { dialect: Dialect }): Reply {
  return { status: 200, body: xmlDocument('Tagging', [['TagSet', []]], ctx.dialect) };
}

/** The body as stored: aws-chunked bodies (boto3 1.36 and later) decoded, as OBS decodes them. */
function requestBody(req: http.IncomingMessage, header: (name: string) => string | undefined): Readable {
  if (!isAwsChunked(header)) return req;
  return pipeline(req, awsChunkedDecoder(), () => undefined);
}

const fail = (e: SseError | undefined): void => {
  if (e) throw new HttpError(e.status, e.code, e.message);
};

const hexId = (bytes: number): string => randomBytes(bytes).toString('hex').toUpperCase();
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const EMPTY_SHA256 = sha256('');

/**
 * Starts a local stand-in for the OBS server: enough of OBS for the official SDK to complete its
 * object, copy, multipart, append and POST-form calls in both dialects, echoing SSE response headers
 * as OBS does. Bodies are streamed and hashed; only small objects are kept. Binds 127.0.0.1 unless
 * told otherwise. Virtual-hosted requests (`{bucket}.localhost`) need the client to resolve that name
 * to the stand-in, as `test/support/sdk.ts` does with an agent.
 */
export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const host = options.host ?? '127.0.0.1';
  const domains = options.domains ?? ['localhost'];
  const retainLimit = options.retainLimit ?? MiB;
  const kms = newKmsIdentity(options.region);
  const store = new Store();
  const exchanges: RecordedExchange[] = [];
  const har = options.har
    ? await HarWriter.open(options.har, { creator: { name: 'obs-sse-standin', version: '0.1.0' } })
    : undefined;
  let harFailure: unknown;
  const scheme = options.tls ? 'https' : 'http';

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      // Only reached if replying itself failed; the connection is all that is left to clean up.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  };

  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : http.createServer(handler);
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const rawUrl = req.url ?? '/';
    const header = (name: string): string | undefined => {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(',') : v;
    };
    const query = parseQuery(rawUrl);
    const target = resolveTarget(header('host'), rawUrl, domains);
    const op = classify(req.method ?? 'GET', target, query, header);
    const dialect = detectDialect(Object.keys(req.headers), header('authorization'), query);
    const ctx: Ctx = {
      req,
      res,
      scheme,
      started: new Date(),
      t0,
      tBody: t0,
      op,
      dialect,
      p: prefixOf(dialect),
      target,
      query,
      header,
      requestId: hexId(16),
      body: { size: 0, sha256: EMPTY_SHA256, md5: '' },
      sse: readSseRequest(header, dialect),
    };
    let reply: Reply;
    try {
      if (op === 'PostObject') {
        await readForm(ctx);
      } else {
        ctx.body = await digestStream(
          requestBody(req, header),
          DATA_OPS.has(op) ? retainLimit : CONTROL_BODY_LIMIT,
        );
      }
      ctx.tBody = performance.now();
      reply = route(ctx);
    } catch (err) {
      ctx.tBody = ctx.tBody === t0 ? performance.now() : ctx.tBody;
      reply =
        err instanceof HttpError
          ? errorReply(ctx, err.status, err.code, err.message)
          : errorReply(ctx, 500, 'InternalError', err instanceof Error ? err.message : String(err));
    }
    send(ctx, reply);
  }

  async function readForm(ctx: Ctx): Promise<void> {
    const { req } = ctx;
    const total = createHash('sha256');
    let size = 0;
    req.on('data', (c: Buffer) => {
      total.update(c);
      size += c.length;
    });
    const fields: [string, string][] = [];
    let file: Promise<BodyDigest> | undefined;
    let fileInfo: { filename: string; mimeType: string } | undefined;
    const bb = busboy({ headers: req.headers, limits: { fieldSize: HAR_TEXT_LIMIT, fields: 200 } });
    bb.on('field', (name, value) => {
      // OBS ignores fields after the file, as S3 does.
      if (!file) fields.push([name, value]);
    });
    bb.on('file', (name, stream, info) => {
      if (name.toLowerCase() !== 'file' || file) {
        stream.resume();
        return;
      }
      fileInfo = { filename: info.filename ?? 'file', mimeType: info.mimeType };
      file = digestStream(stream, retainLimit);
      // Awaited after the form is parsed; until then a failure must not count as unhandled.
      file.catch(() => undefined);
    });
    const done = new Promise<void>((resolve, reject) => {
      bb.once('close', resolve);
      bb.once('error', reject);
    });
    req.pipe(bb);
    try {
      await done;
    } catch (err) {
      req.resume();
      await once(req, 'end').catch(() => undefined);
      ctx.body = { size, sha256: total.digest('hex'), md5: '' };
      throw new HttpError(
        400,
        'MalformedPOSTRequest',
        `The body of the POST request is not well-formed: ${String(err)}`,
      );
    }
    const fileDigest = file ? await file : undefined;
    ctx.body = { size, sha256: total.digest('hex'), md5: '' };
    ctx.formFields = fields;
    const lower = new Map(fields.map(([n, v]) => [n.toLowerCase(), v]));
    const get = (n: string): string | undefined => lower.get(n.toLowerCase());
    const fieldDialect = detectDialect(
      fields.map(([n]) => n),
      ctx.header('authorization'),
      ctx.query,
    );
    ctx.dialect = fieldDialect;
    ctx.p = prefixOf(fieldDialect);
    ctx.sse = readSseRequest(get, fieldDialect);
    ctx.harParams = fields.map(([name, value]) => ({ name, value }));
    if (fileInfo)
      ctx.harParams.push({ name: 'file', fileName: fileInfo.filename, contentType: fileInfo.mimeType });
    ctx.form = { get };
    if (fileDigest) ctx.form.file = fileDigest;
    if (fileInfo) ctx.form.fileInfo = fileInfo;
  }

  function baseHeaders(ctx: Ctx): [string, string][] {
    return [
      ['Server', 'OBS'],
      [`${ctx.p}request-id`, ctx.requestId],
      [`${ctx.p}id-2`, `${ctx.requestId}${hexId(8)}`],
      ['Date', new Date().toUTCString()],
    ];
  }

  function errorReply(ctx: Ctx, status: number, code: string, message: string): Reply {
    const body = xmlError(code, message, ctx.requestId, `${ctx.requestId}${hexId(4)}`);
    return {
      status,
      errorCode: code,
      headers: [
        ['Content-Type', 'application/xml'],
        [`${ctx.p}error-code`, code],
        [`${ctx.p}error-message`, message.replace(/[^\x20-\x7e]/g, ' ')],
      ],
      body,
    };
  }

  function xmlReply(
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

  function requireBucket(ctx: Ctx): string {
    if (ctx.target.bucket === undefined)
      throw new HttpError(400, 'InvalidBucketName', 'The request names no bucket.');
    return ctx.target.bucket;
  }

  function requireObject(ctx: Ctx, bucket: string, key: string): StoredObject {
    const obj = store.getObject(bucket, key);
    if (!obj) throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.');
    return obj;
  }

  function metadataOf(ctx: Ctx): [string, string][] {
    const out: [string, string][] = [];
    for (const [name, value] of Object.entries(ctx.req.headers)) {
      if (name.startsWith(`${ctx.p}meta-`) && value !== undefined) {
        out.push([name.slice(ctx.p.length), Array.isArray(value) ? value.join(',') : value]);
      }
    }
    return out;
  }

  function parseCopySource(ctx: Ctx): StoredObject {
    const raw = ctx.header(`${ctx.p}copy-source`) ?? '';
    // `bucket/key?versionId=v`, URL-encoded as a whole: the SDK sends `bkt%2Fkey`.
    const versionAt = raw.lastIndexOf('?versionId=');
    let path = versionAt >= 0 ? raw.slice(0, versionAt) : raw;
    try {
      path = decodeURIComponent(path);
    } catch {
      // An undecodable source is looked up as sent.
    }
    path = path.replace(/^\//, '');
    const slash = path.indexOf('/');
    if (slash <= 0) throw new HttpError(400, 'InvalidArgument', 'The copy source must be bucket/key.');
    const bucket = path.slice(0, slash);
    const key = path.slice(slash + 1);
    const src = store.getObject(bucket, key);
    if (!src) throw new HttpError(404, 'NoSuchKey', 'The specified copy source does not exist.');
    fail(checkCustomerAccess(src.sse, ctx.sse.copySourceCustomer, 'copy source'));
    return src;
  }

  /** Target SSE-C checks shared by every operation that takes the triple. */
  function checkSseC(ctx: Ctx): void {
    fail(checkCustomerKey(ctx.sse.customer, 'customer key'));
    fail(checkCustomerKey(ctx.sse.copySourceCustomer, 'copy-source customer key'));
  }

  function objectWrite(
    ctx: Ctx,
    bucket: string,
    key: string,
    digest: BodyDigest,
    contentType: string | undefined,
  ): StoredObject {
    const obj: StoredObject = {
      bucket,
      key,
      size: digest.size,
      sha256: digest.sha256,
      etag: `"${digest.md5}"`,
      metadata: metadataOf(ctx),
      lastModified: new Date(),
    };
    if (digest.bytes) obj.bytes = digest.bytes;
    if (contentType !== undefined) obj.contentType = contentType;
    const sse = storedFromRequest(ctx.sse, ctx.dialect, kms, store.bucket(bucket).defaultSse);
    if (sse) obj.sse = sse;
    store.putObject(obj);
    ctx.stored = { bucket, key, size: obj.size, sha256: digest.sha256 };
    return obj;
  }

  function objectHeaders(ctx: Ctx, obj: StoredObject): [string, string][] {
    const h: [string, string][] = [
      ['ETag', obj.etag],
      ['Last-Modified', obj.lastModified.toUTCString()],
      ['Accept-Ranges', 'bytes'],
      ['Content-Type', obj.contentType ?? 'binary/octet-stream'],
      ...obj.metadata.map(([n, v]): [string, string] => [`${ctx.p}${n}`, v]),
      ...sseResponseHeaders(obj.sse, ctx.dialect),
    ];
    if (obj.append) {
      h.push([`${ctx.p}object-type`, 'Appendable'], [`${ctx.p}next-append-position`, String(obj.size)]);
    }
    return h;
  }

  function getObject(ctx: Ctx, head: boolean): Reply {
    const bucket = requireBucket(ctx);
    const obj = requireObject(ctx, bucket, ctx.target.key as string);
    checkSseC(ctx);
    fail(checkCustomerAccess(obj.sse, ctx.sse.customer, 'object'));
    const headers = objectHeaders(ctx, obj);
    if (head) return { status: 200, headers: [...headers, ['Content-Length', String(obj.size)]] };
    if (!obj.bytes) {
      throw new HttpError(
        501,
        'NotImplemented',
        `The stand-in keeps only objects up to ${retainLimit} bytes; this one has ${obj.size}.`,
      );
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(ctx.header('range') ?? '');
    if (range && (range[1] !== '' || range[2] !== '')) {
      const size = obj.size;
      let start = range[1] === '' ? size - Number(range[2]) : Number(range[1]);
      let end = range[1] === '' || range[2] === '' ? size - 1 : Number(range[2]);
      start = Math.max(0, start);
      end = Math.min(end, size - 1);
      if (start > end) throw new HttpError(416, 'InvalidRange', 'The requested range is not satisfiable.');
      return {
        status: 206,
        headers: [...headers, ['Content-Range', `bytes ${start}-${end}/${size}`]],
        body: obj.bytes.subarray(start, end + 1),
      };
    }
    return { status: 200, headers, body: obj.bytes };
  }

  function route(ctx: Ctx): Reply {
    const { op, p } = ctx;
    const key = ctx.target.key as string;
    switch (op) {
      case 'HeadApiVersion':
        return { status: 200, headers: [['x-obs-api', '3.0']] };
      case 'Options':
        return {
          status: 200,
          headers: [
            ['Access-Control-Allow-Origin', ctx.header('origin') ?? '*'],
            ['Access-Control-Allow-Methods', 'GET,PUT,POST,DELETE,HEAD'],
            ['Access-Control-Allow-Headers', ctx.header('access-control-request-headers') ?? '*'],
          ],
        };
      case 'ListBuckets':
        return xmlReply(ctx, 'ListAllMyBucketsResult', [
          ['Owner', [['ID', kms.domainId]]],
          [
            'Buckets',
            [...store.buckets.values()].map((b): [string, XmlFields] => [
              'Bucket',
              [
                ['Name', b.name],
                ['CreationDate', b.created.toISOString()],
              ],
            ]),
          ],
        ]);
      case 'CreateBucket': {
        const bucket = requireBucket(ctx);
        const b = store.bucket(bucket);
        const def = bucketDefaultFromRequest(ctx.sse, ctx.dialect, kms);
        if (def) b.defaultSse = def;
        else delete b.defaultSse;
        return {
          status: 200,
          headers: [['Location', `/${bucket}`], ...sseResponseHeaders(def, ctx.dialect)],
        };
      }
      case 'HeadBucket': {
        const b = store.buckets.get(requireBucket(ctx));
        if (!b) throw new HttpError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
        return { status: 200, headers: sseResponseHeaders(b.defaultSse, ctx.dialect) };
      }
      case 'DeleteBucket':
        store.buckets.delete(requireBucket(ctx));
        return { status: 204 };
      case 'ListObjects': {
        const b = store.bucket(requireBucket(ctx));
        const prefix = ctx.query.get('prefix') ?? '';
        const objs = [...b.objects.values()]
          .filter((o) => o.key.startsWith(prefix))
          .sort((a, z) => (a.key < z.key ? -1 : 1));
        return xmlReply(ctx, 'ListBucketResult', [
          ['Name', b.name],
          ['Prefix', prefix],
          ['Marker', ''],
          ['MaxKeys', 1000],
          ['IsTruncated', 'false'],
          ...objs.map((o): [string, XmlFields] => [
            'Contents',
            [
              ['Key', o.key],
              ['LastModified', o.lastModified.toISOString()],
              ['ETag', o.etag],
              ['Size', o.size],
              ['StorageClass', 'STANDARD'],
            ],
          ]),
        ]);
      }
      case 'PutObject': {
        checkSseC(ctx);
        const obj = objectWrite(ctx, requireBucket(ctx), key, ctx.body, ctx.header('content-type'));
        return { status: 200, headers: [['ETag', obj.etag], ...sseResponseHeaders(obj.sse, ctx.dialect)] };
      }
      case 'PostObject':
        return postObject(ctx);
      case 'GetObject':
        return getObject(ctx, false);
      case 'HeadObject':
        return getObject(ctx, true);
      case 'DeleteObject':
        store.buckets.get(requireBucket(ctx))?.objects.delete(key);
        return { status: 204 };
      case 'DeleteObjects': {
        const b = store.buckets.get(requireBucket(ctx));
        const text = ctx.body.bytes?.toString('utf8') ?? '';
        const keys = [...text.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => m[1] ?? '');
        for (const k of keys) b?.objects.delete(k);
        return xmlReply(
          ctx,
          'DeleteResult',
          keys.map((k): [string, XmlFields] => ['Deleted', [['Key', k]]]),
        );
      }
      case 'CopyObject': {
        checkSseC(ctx);
        const bucket = requireBucket(ctx);
        const src = parseCopySource(ctx);
        const replace = (ctx.header(`${p}metadata-directive`) ?? 'COPY').toUpperCase() === 'REPLACE';
        const obj: StoredObject = {
          bucket,
          key,
          size: src.size,
          etag: src.etag,
          metadata: replace ? metadataOf(ctx) : src.metadata,
          lastModified: new Date(),
        };
        if (src.sha256 !== undefined) obj.sha256 = src.sha256;
        if (src.bytes) obj.bytes = src.bytes;
        const contentType = replace ? ctx.header('content-type') : src.contentType;
        if (contentType !== undefined) obj.contentType = contentType;
        const sse = storedFromRequest(ctx.sse, ctx.dialect, kms, store.bucket(bucket).defaultSse);
        if (sse) obj.sse = sse;
        store.putObject(obj);
        ctx.stored = {
          bucket,
          key,
          size: obj.size,
          ...(obj.sha256 !== undefined ? { sha256: obj.sha256 } : {}),
        };
        return xmlReply(
          ctx,
          'CopyObjectResult',
          [
            ['LastModified', obj.lastModified.toISOString()],
            ['ETag', obj.etag],
          ],
          sseResponseHeaders(obj.sse, ctx.dialect),
        );
      }
      case 'InitiateMultipartUpload': {
        checkSseC(ctx);
        const bucket = requireBucket(ctx);
        const init: Parameters<Store['newUpload']>[2] = { metadata: metadataOf(ctx) };
        const sse = storedFromRequest(ctx.sse, ctx.dialect, kms, store.bucket(bucket).defaultSse);
        if (sse) init.sse = sse;
        const contentType = ctx.header('content-type');
        if (contentType !== undefined) init.contentType = contentType;
        const upload = store.newUpload(bucket, key, init);
        return xmlReply(
          ctx,
          'InitiateMultipartUploadResult',
          [
            ['Bucket', bucket],
            ['Key', key],
            ['UploadId', upload.uploadId],
          ],
          sseResponseHeaders(upload.sse, ctx.dialect),
        );
      }
      case 'UploadPart':
      case 'UploadPartCopy': {
        checkSseC(ctx);
        const upload = store.uploads.get(ctx.query.get('uploadId') ?? '');
        if (!upload || upload.bucket !== ctx.target.bucket || upload.key !== key) {
          throw new HttpError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
        }
        const partNumber = Number(ctx.query.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
          throw new HttpError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
        }
        fail(checkCustomerAccess(upload.sse, ctx.sse.customer, 'multipart upload'));
        let digest: BodyDigest = ctx.body;
        if (op === 'UploadPartCopy') {
          const src = parseCopySource(ctx);
          if (!src.bytes)
            throw new HttpError(
              501,
              'NotImplemented',
              'The stand-in copies parts only from retained objects.',
            );
          const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.header(`${p}copy-source-range`) ?? '');
          const bytes = range ? src.bytes.subarray(Number(range[1]), Number(range[2]) + 1) : src.bytes;
          digest = {
            size: bytes.length,
            sha256: sha256(bytes),
            md5: createHash('md5').update(bytes).digest('hex'),
            bytes,
          };
        }
        const part = {
          partNumber,
          size: digest.size,
          sha256: digest.sha256,
          md5: digest.md5,
          etag: `"${digest.md5}"`,
          lastModified: new Date(),
        };
        upload.parts.set(partNumber, digest.bytes ? { ...part, bytes: digest.bytes } : part);
        ctx.stored = { bucket: upload.bucket, key, size: digest.size, sha256: digest.sha256, partNumber };
        const sseHeaders = sseResponseHeaders(upload.sse, ctx.dialect);
        if (op === 'UploadPart') return { status: 200, headers: [['ETag', part.etag], ...sseHeaders] };
        return xmlReply(
          ctx,
          'CopyPartResult',
          [
            ['LastModified', part.lastModified.toISOString()],
            ['ETag', part.etag],
          ],
          sseHeaders,
        );
      }
      case 'CompleteMultipartUpload': {
        const upload = store.uploads.get(ctx.query.get('uploadId') ?? '');
        if (!upload || upload.bucket !== ctx.target.bucket || upload.key !== key) {
          throw new HttpError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
        }
        const listed = parseCompleteParts(ctx.body.bytes?.toString('utf8') ?? '');
        if (listed.length === 0)
          throw new HttpError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
        for (const { partNumber, etag } of listed) {
          const part = upload.parts.get(partNumber);
          if (!part || (etag !== '' && etag.replace(/"/g, '') !== part.etag.replace(/"/g, ''))) {
            throw new HttpError(
              400,
              'InvalidPart',
              `Part ${partNumber} was not uploaded or its ETag does not match.`,
            );
          }
        }
        const obj = store.assemble(
          upload,
          listed.map((l) => l.partNumber).sort((a, z) => a - z),
          retainLimit,
        );
        store.putObject(obj);
        store.uploads.delete(upload.uploadId);
        ctx.stored = {
          bucket: obj.bucket,
          key,
          size: obj.size,
          ...(obj.sha256 !== undefined ? { sha256: obj.sha256 } : {}),
        };
        return xmlReply(
          ctx,
          'CompleteMultipartUploadResult',
          [
            ['Location', `/${obj.bucket}/${key}`],
            ['Bucket', obj.bucket],
            ['Key', key],
            ['ETag', obj.etag],
          ],
          sseResponseHeaders(obj.sse, ctx.dialect),
        );
      }
      case 'AbortMultipartUpload': {
        const id = ctx.query.get('uploadId') ?? '';
        if (!store.uploads.delete(id))
          throw new HttpError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
        return { status: 204 };
      }
      case 'ListParts': {
        const upload = store.uploads.get(ctx.query.get('uploadId') ?? '');
        if (!upload)
          throw new HttpError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
        const parts = [...upload.parts.values()].sort((a, z) => a.partNumber - z.partNumber);
        return xmlReply(ctx, 'ListPartsResult', [
          ['Bucket', upload.bucket],
          ['Key', upload.key],
          ['UploadId', upload.uploadId],
          ['StorageClass', 'STANDARD'],
          ['PartNumberMarker', 0],
          ['NextPartNumberMarker', parts.at(-1)?.partNumber ?? 0],
          ['MaxParts', 1000],
          ['IsTruncated', 'false'],
          ...parts.map((pt): [string, XmlFields] => [
            'Part',
            [
              ['PartNumber', pt.partNumber],
              ['LastModified', pt.lastModified.toISOString()],
              ['ETag', pt.etag],
              ['Size', pt.size],
            ],
          ]),
        ]);
      }
      case 'ListMultipartUploads': {
        const bucket = requireBucket(ctx);
        const uploads = [...store.uploads.values()].filter((u) => u.bucket === bucket);
        return xmlReply(ctx, 'ListMultipartUploadsResult', [
          ['Bucket', bucket],
          ['KeyMarker', ''],
          ['UploadIdMarker', ''],
          ['MaxUploads', 1000],
          ['IsTruncated', 'false'],
          ...uploads.map((u): [string, XmlFields] => [
            'Upload',
            [
              ['Key', u.key],
              ['UploadId', u.uploadId],
              ['Initiated', u.initiated.toISOString()],
              ['StorageClass', 'STANDARD'],
            ],
          ]),
        ]);
      }
      case 'AppendObject':
        return appendObject(ctx);
      case 'BucketSubresource':
      case 'ObjectSubresource': {
        const m = ctx.req.method ?? 'GET';
        if (ctx.op === 'ObjectSubresource' && m === 'GET' && ctx.query.has('tagging'))
          return objectTagging(ctx);
        if (m === 'GET' || m === 'HEAD')
          throw new HttpError(501, 'NotImplemented', 'The stand-in does not serve this sub-resource.');
        return { status: m === 'DELETE' ? 204 : 200 };
      }
      default:
        throw new HttpError(
          501,
          'NotImplemented',
          `The stand-in does not implement ${ctx.req.method} on this resource.`,
        );
    }
  }

  function appendObject(ctx: Ctx): Reply {
    checkSseC(ctx);
    const bucket = requireBucket(ctx);
    const key = ctx.target.key as string;
    const position = Number(ctx.query.get('position') ?? '0');
    const existing = store.getObject(bucket, key);
    const digest = ctx.body;
    if (existing && !existing.append) {
      throw new HttpError(409, 'ObjectNotAppendable', 'The object is not appendable.');
    }
    const expected = existing?.size ?? 0;
    if (position !== expected) {
      throw new HttpError(
        409,
        'PositionNotEqualToLength',
        `The position ${position} is not the object length ${expected}.`,
      );
    }
    let obj: StoredObject;
    if (!existing) {
      obj = objectWrite(ctx, bucket, key, digest, ctx.header('content-type'));
      const sha = createHash('sha256');
      const md5 = createHash('md5');
      // The first append's bytes are the whole object; re-hash them only when they were kept.
      if (digest.bytes) {
        sha.update(digest.bytes);
        md5.update(digest.bytes);
        obj.append = { sha, md5 };
      } else {
        obj.append = { sha, md5 };
        delete obj.sha256;
      }
    } else {
      fail(checkCustomerAccess(existing.sse, ctx.sse.customer, 'appendable object'));
      obj = existing;
      obj.size += digest.size;
      obj.lastModified = new Date();
      if (obj.bytes && digest.bytes && obj.size <= retainLimit) {
        obj.bytes = Buffer.concat([obj.bytes, digest.bytes]);
        obj.append?.sha.update(digest.bytes);
        obj.append?.md5.update(digest.bytes);
        obj.sha256 = obj.append?.sha.copy().digest('hex');
      } else {
        delete obj.bytes;
        delete obj.sha256;
      }
      ctx.stored = {
        bucket,
        key,
        size: obj.size,
        ...(obj.sha256 !== undefined ? { sha256: obj.sha256 } : {}),
      };
    }
    if (obj.append && obj.bytes) obj.etag = `"${obj.append.md5.copy().digest('hex')}"`;
    return {
      status: 200,
      headers: [
        ['ETag', obj.etag],
        [`${ctx.p}next-append-position`, String(obj.size)],
        ...sseResponseHeaders(obj.sse, ctx.dialect),
      ],
    };
  }

  function postObject(ctx: Ctx): Reply {
    const form = ctx.form;
    if (!form)
      throw new HttpError(400, 'MalformedPOSTRequest', 'The body of the POST request is not well-formed.');
    const bucket = requireBucket(ctx);
    let key = form.get('key');
    if (key === undefined)
      throw new HttpError(400, 'InvalidArgument', 'Bucket POST must contain a field named key.');
    if (!form.file || !form.fileInfo)
      throw new HttpError(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    key = key.replace('${filename}', form.fileInfo.filename);
    checkSseC(ctx);
    const obj = objectWrite(ctx, bucket, key, form.file, form.get('content-type') ?? form.fileInfo.mimeType);
    const location = `${ctx.scheme}://${ctx.header('host') ?? `${host}:${port}`}/${encodeURIComponent(key)}`;
    const headers: [string, string][] = [
      ['ETag', obj.etag],
      ['Location', location],
      ...sseResponseHeaders(obj.sse, ctx.dialect),
    ];
    const status = Number(form.get('success_action_status') ?? '204');
    if (status === 201) {
      return xmlReply(
        ctx,
        'PostResponse',
        [
          ['Location', location],
          ['Bucket', bucket],
          ['Key', key],
          ['ETag', obj.etag],
        ],
        headers,
        201,
      );
    }
    return { status: status === 200 ? 200 : 204, headers };
  }

  function send(ctx: Ctx, reply: Reply): void {
    const { req, res } = ctx;
    const body =
      reply.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : Buffer.from(reply.body, 'utf8');
    const headers: [string, string][] = [...baseHeaders(ctx), ...(reply.headers ?? [])];
    const isHead = req.method === 'HEAD';
    if (!headers.some(([n]) => n.toLowerCase() === 'content-length'))
      headers.push(['Content-Length', String(body.length)]);
    res.statusCode = reply.status;
    for (const [n, v] of headers) res.setHeader(n, v);

    const url = `${ctx.scheme}://${ctx.header('host') ?? `${host}:${port}`}${req.url ?? '/'}`;
    const requestHeaders: [string, string][] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      requestHeaders.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
    }
    const sentBody = isHead ? Buffer.alloc(0) : body;
    const exchange: RecordedExchange = {
      id: exchanges.length + 1,
      startedDateTime: ctx.started.toISOString(),
      operation: ctx.op,
      dialect: ctx.dialect,
      addressing: ctx.target.addressing,
      method: req.method ?? 'GET',
      url: redactUrl(url),
      requestHeaders: redactHeaders(requestHeaders),
      requestBody: { size: ctx.body.size, sha256: ctx.body.sha256 },
      sse: ctx.sse,
      status: reply.status,
      responseHeaders: redactHeaders(headers),
      responseBody: { size: sentBody.length, sha256: sha256(sentBody) },
    };
    if (ctx.target.bucket !== undefined) exchange.bucket = ctx.target.bucket;
    if (ctx.target.key !== undefined) exchange.key = ctx.target.key;
    if (ctx.formFields) exchange.formFields = redactFormFields(ctx.formFields);
    if (reply.errorCode !== undefined) exchange.errorCode = reply.errorCode;
    if (ctx.stored && reply.status < 300) exchange.stored = ctx.stored;
    exchanges.push(exchange);

    if (har) {
      const now = performance.now();
      const harExchange: HarExchange = {
        startedDateTime: ctx.started,
        method: exchange.method,
        url,
        httpVersion: `HTTP/${req.httpVersion}`,
        requestHeaders,
        status: reply.status,
        statusText: http.STATUS_CODES[reply.status] ?? '',
        responseHeaders: headers,
        responseBodySize: sentBody.length,
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
      // Object data never goes into the HAR; generated XML (results, errors) does.
      const isObjectData = (ctx.op === 'GetObject' || ctx.op === 'HeadObject') && reply.status < 300;
      if (!isObjectData && sentBody.length > 0 && sentBody.length <= HAR_TEXT_LIMIT) {
        harExchange.responseBodyText = sentBody.toString('utf8');
      }
      har.addExchange(harExchange).catch((err: unknown) => {
        harFailure ??= err;
      });
    }
    res.end(isHead ? undefined : body);
  }

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    host,
    exchanges,
    store,
    kms,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        if (har) await har.close();
        if (harFailure) throw harFailure;
      })();
      return closing;
    },
  };
}
