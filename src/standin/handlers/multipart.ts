import { createHash } from 'node:crypto';
import {
  checkSseC,
  fail,
  HttpError,
  metadataOf,
  requireBucket,
  sha256,
  storedRecord,
  writeSse,
  xmlReply,
  type Ctx,
  type Env,
  type Handler,
} from '../context';
import { checkCustomerAccess, sseResponseHeaders } from '../sse';
import type { BodyDigest, Store, Upload } from '../store';
import { parseCompleteParts, type XmlFields } from '../xml';
import { copySource } from './copy';

const noSuchUpload = (): HttpError =>
  new HttpError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');

/** The open upload `?uploadId` names, which must be for the request's own bucket and key. */
function uploadOfTarget(ctx: Ctx, env: Env): Upload {
  const upload = env.store.uploads.get(ctx.query.get('uploadId') ?? '');
  if (!upload || upload.bucket !== ctx.target.bucket || upload.key !== ctx.target.key) throw noSuchUpload();
  return upload;
}

/** InitiateMultipartUpload: fixes the upload's encryption, metadata and type for all its parts. */
export const initiateMultipartUpload: Handler = (ctx, env) => {
  checkSseC(ctx);
  const bucket = requireBucket(ctx);
  const key = ctx.target.key as string;
  const init: Parameters<Store['newUpload']>[2] = { metadata: metadataOf(ctx) };
  const sse = writeSse(ctx, env, bucket);
  if (sse) init.sse = sse;
  const contentType = ctx.header('content-type');
  if (contentType !== undefined) init.contentType = contentType;
  const upload = env.store.newUpload(bucket, key, init);
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
};

/**
 * UploadPart and UploadPartCopy: one part from the body or from a retained object's bytes (whole or
 * `copy-source-range`). A part needs the SSE-C key the upload was initiated with, as on OBS.
 */
export const uploadPart: Handler = (ctx, env) => {
  checkSseC(ctx);
  const upload = uploadOfTarget(ctx, env);
  const partNumber = Number(ctx.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new HttpError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
  }
  fail(checkCustomerAccess(upload.sse, ctx.sse.customer, 'multipart upload'));
  let digest: BodyDigest = ctx.body;
  if (ctx.op === 'UploadPartCopy') {
    const src = copySource(ctx, env);
    if (!src.bytes)
      throw new HttpError(501, 'NotImplemented', 'The stand-in copies parts only from retained objects.');
    const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.header(`${ctx.p}copy-source-range`) ?? '');
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
  ctx.stored = {
    bucket: upload.bucket,
    key: upload.key,
    size: digest.size,
    sha256: digest.sha256,
    partNumber,
  };
  const sseHeaders = sseResponseHeaders(upload.sse, ctx.dialect);
  if (ctx.op === 'UploadPart') return { status: 200, headers: [['ETag', part.etag], ...sseHeaders] };
  return xmlReply(
    ctx,
    'CopyPartResult',
    [
      ['LastModified', part.lastModified.toISOString()],
      ['ETag', part.etag],
    ],
    sseHeaders,
  );
};

/**
 * CompleteMultipartUpload: joins the listed parts, each of which must exist with the listed ETag (quotes
 * and an empty ETag are let through, as clients differ there).
 */
export const completeMultipartUpload: Handler = (ctx, env) => {
  const upload = uploadOfTarget(ctx, env);
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
  const obj = env.store.assemble(
    upload,
    listed.map((l) => l.partNumber).sort((a, z) => a - z),
    env.retainLimit,
  );
  env.store.putObject(obj);
  env.store.uploads.delete(upload.uploadId);
  ctx.stored = storedRecord(obj);
  return xmlReply(
    ctx,
    'CompleteMultipartUploadResult',
    [
      ['Location', `/${obj.bucket}/${obj.key}`],
      ['Bucket', obj.bucket],
      ['Key', obj.key],
      ['ETag', obj.etag],
    ],
    sseResponseHeaders(obj.sse, ctx.dialect),
  );
};

/** AbortMultipartUpload: forgets the upload and its parts. */
export const abortMultipartUpload: Handler = (ctx, env) => {
  if (!env.store.uploads.delete(ctx.query.get('uploadId') ?? '')) throw noSuchUpload();
  return { status: 204 };
};

/** ListParts: one page with every part so far, in part-number order. */
export const listParts: Handler = (ctx, env) => {
  const upload = env.store.uploads.get(ctx.query.get('uploadId') ?? '');
  if (!upload) throw noSuchUpload();
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
};

/** ListMultipartUploads: one page with the bucket's open uploads. */
export const listMultipartUploads: Handler = (ctx, env) => {
  const bucket = requireBucket(ctx);
  const uploads = [...env.store.uploads.values()].filter((u) => u.bucket === bucket);
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
};
