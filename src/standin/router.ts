import type { Ctx, Env, Handler, Reply } from './context';
import { appendObject } from './handlers/append';
import { createBucket, deleteBucket, deleteObjects, headBucket, listObjects } from './handlers/bucket';
import { copyObject } from './handlers/copy';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './handlers/multipart';
import { deleteObject, getObject, headObject, putObject } from './handlers/object';
import { postObject } from './handlers/post-object';
import { headApiVersion, listBuckets, options } from './handlers/service';
import { notImplemented, subresource } from './handlers/subresource';
import type { StandinOperation } from './route';

/**
 * The handler of each operation `classify` names. A `Record` over the closed union makes a new operation
 * without a handler a type error; `Unknown` gets OBS's NotImplemented.
 */
export const ROUTES: Readonly<Record<StandinOperation, Handler>> = {
  HeadApiVersion: headApiVersion,
  Options: options,
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  ListObjects: listObjects,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  CopyObject: copyObject,
  PostObject: postObject,
  AppendObject: appendObject,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  BucketSubresource: subresource,
  ObjectSubresource: subresource,
  Unknown: notImplemented,
};

/**
 * Answers a classified request with its operation's handler. An operation outside the table (only a
 * caller that forged `ctx.op` can make one) is answered as `Unknown` is, not with a TypeError.
 */
export function route(ctx: Ctx, env: Env): Reply {
  const handler = Object.hasOwn(ROUTES, ctx.op) ? ROUTES[ctx.op] : notImplemented;
  return handler(ctx, env);
}
