import { HttpError, requireBucket, xmlReply, type Handler } from '../context';
import { bucketDefaultFromRequest, sseResponseHeaders } from '../sse';
import type { XmlFields } from '../xml';

/** CreateBucket: (re)sets the bucket's default encryption from the request's SSE headers. */
export const createBucket: Handler = (ctx, env) => {
  const bucket = requireBucket(ctx);
  const b = env.store.bucket(bucket);
  const def = bucketDefaultFromRequest(ctx.sse, ctx.dialect, env.kms);
  if (def) b.defaultSse = def;
  else delete b.defaultSse;
  return {
    status: 200,
    headers: [['Location', `/${bucket}`], ...sseResponseHeaders(def, ctx.dialect)],
  };
};

/** HeadBucket: 404 for a bucket never used, else its default encryption as headers. */
export const headBucket: Handler = (ctx, env) => {
  const b = env.store.buckets.get(requireBucket(ctx));
  if (!b) throw new HttpError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
  return { status: 200, headers: sseResponseHeaders(b.defaultSse, ctx.dialect) };
};

/** DeleteBucket: drops the bucket with its objects; the stand-in has no BucketNotEmpty answer. */
export const deleteBucket: Handler = (ctx, env) => {
  env.store.buckets.delete(requireBucket(ctx));
  return { status: 204 };
};

/** ListObjects: one page with every key under `prefix`, in key order. */
export const listObjects: Handler = (ctx, env) => {
  const b = env.store.bucket(requireBucket(ctx));
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
};

/**
 * DeleteObjects (POST `?delete`): every `<Key>` of the body is deleted and reported deleted. The body is
 * read with a pattern, not a parser: it is small and SDK-written, like CompleteMultipartUpload's.
 */
export const deleteObjects: Handler = (ctx, env) => {
  const b = env.store.buckets.get(requireBucket(ctx));
  const text = ctx.body.bytes?.toString('utf8') ?? '';
  const keys = [...text.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => m[1] ?? '');
  for (const k of keys) b?.objects.delete(k);
  return xmlReply(
    ctx,
    'DeleteResult',
    keys.map((k): [string, XmlFields] => ['Deleted', [['Key', k]]]),
  );
};
