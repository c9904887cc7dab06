import { createHash } from 'node:crypto';
import { checkSseC, fail, HttpError, requireBucket, storedRecord, type Handler } from '../context';
import { checkCustomerAccess, sseResponseHeaders } from '../sse';
import type { StoredObject } from '../store';
import { objectWrite } from './object';

/**
 * AppendObject: the first append (position 0) creates an appendable object as PutObject would; each
 * later one must start at the current length and carry the object's SSE-C key. Running digests keep the
 * SHA-256 and ETag exact while the object stays within the retain limit.
 */
export const appendObject: Handler = (ctx, env) => {
  checkSseC(ctx);
  const bucket = requireBucket(ctx);
  const key = ctx.target.key as string;
  const position = Number(ctx.query.get('position') ?? '0');
  const existing = env.store.getObject(bucket, key);
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
    obj = objectWrite(ctx, env, bucket, key, digest, ctx.header('content-type'));
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
    if (obj.bytes && digest.bytes && obj.size <= env.retainLimit) {
      obj.bytes = Buffer.concat([obj.bytes, digest.bytes]);
      obj.append?.sha.update(digest.bytes);
      obj.append?.md5.update(digest.bytes);
      obj.sha256 = obj.append?.sha.copy().digest('hex');
    } else {
      delete obj.bytes;
      delete obj.sha256;
    }
    ctx.stored = storedRecord(obj);
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
};
