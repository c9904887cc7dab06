import {
  checkSseC,
  fail,
  HttpError,
  metadataOf,
  requireBucket,
  writeSse,
  type Ctx,
  type Env,
  type Handler,
  type Reply,
} from '../context';
import { checkCustomerAccess, sseResponseHeaders } from '../sse';
import type { BodyDigest, StoredObject } from '../store';

/**
 * Stores a new object from a request's body (PUT, POST form, first append), encrypted as the request or
 * else the bucket default asks, and notes it for the record.
 */
export function objectWrite(
  ctx: Ctx,
  env: Env,
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
  const sse = writeSse(ctx, env, bucket);
  if (sse) obj.sse = sse;
  env.store.putObject(obj);
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

function readObject(ctx: Ctx, env: Env, head: boolean): Reply {
  const bucket = requireBucket(ctx);
  const obj = env.store.getObject(bucket, ctx.target.key as string);
  if (!obj) throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.');
  checkSseC(ctx);
  fail(checkCustomerAccess(obj.sse, ctx.sse.customer, 'object'));
  const headers = objectHeaders(ctx, obj);
  if (head) return { status: 200, headers: [...headers, ['Content-Length', String(obj.size)]] };
  if (!obj.bytes) {
    throw new HttpError(
      501,
      'NotImplemented',
      `The stand-in keeps only objects up to ${env.retainLimit} bytes; this one has ${obj.size}.`,
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

/** PutObject: the streamed body becomes the object. */
export const putObject: Handler = (ctx, env) => {
  checkSseC(ctx);
  const obj = objectWrite(
    ctx,
    env,
    requireBucket(ctx),
    ctx.target.key as string,
    ctx.body,
    ctx.header('content-type'),
  );
  return { status: 200, headers: [['ETag', obj.etag], ...sseResponseHeaders(obj.sse, ctx.dialect)] };
};

/** GetObject: the whole object or one `Range`, when it was small enough to keep. */
export const getObject: Handler = (ctx, env) => readObject(ctx, env, false);

/** HeadObject: GetObject's headers, with the object's length. */
export const headObject: Handler = (ctx, env) => readObject(ctx, env, true);

/** DeleteObject: 204 whether or not the object was there, as OBS answers. */
export const deleteObject: Handler = (ctx, env) => {
  env.store.buckets.get(requireBucket(ctx))?.objects.delete(ctx.target.key as string);
  return { status: 204 };
};
