import {
  checkSseC,
  fail,
  HttpError,
  metadataOf,
  requireBucket,
  storedRecord,
  writeSse,
  xmlReply,
  type Ctx,
  type Env,
  type Handler,
} from '../context';
import { checkCustomerAccess, sseResponseHeaders } from '../sse';
import type { StoredObject } from '../store';

/**
 * The object a `copy-source` header names, once the request's copy-source SSE-C key opens it. Shared by
 * CopyObject and UploadPartCopy.
 */
export function copySource(ctx: Ctx, env: Env): StoredObject {
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
  const src = env.store.getObject(bucket, key);
  if (!src) throw new HttpError(404, 'NoSuchKey', 'The specified copy source does not exist.');
  fail(checkCustomerAccess(src.sse, ctx.sse.copySourceCustomer, 'copy source'));
  return src;
}

/**
 * CopyObject: the source's content under the target key, encrypted as the request (not the source)
 * asks; metadata and content type are the source's unless the directive is REPLACE.
 */
export const copyObject: Handler = (ctx, env) => {
  checkSseC(ctx);
  const bucket = requireBucket(ctx);
  const key = ctx.target.key as string;
  const src = copySource(ctx, env);
  const replace = (ctx.header(`${ctx.p}metadata-directive`) ?? 'COPY').toUpperCase() === 'REPLACE';
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
  const sse = writeSse(ctx, env, bucket);
  if (sse) obj.sse = sse;
  env.store.putObject(obj);
  ctx.stored = storedRecord(obj);
  return xmlReply(
    ctx,
    'CopyObjectResult',
    [
      ['LastModified', obj.lastModified.toISOString()],
      ['ETag', obj.etag],
    ],
    sseResponseHeaders(obj.sse, ctx.dialect),
  );
};
