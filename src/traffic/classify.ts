/**
 * Maps a recorded request to the OBS operation whose SSE rules apply (reference page, table
 * "Operations"), or says why it is not checked.
 *
 * Query parameter names are matched exactly as OBS documents them (`uploadId`, `partNumber`,
 * `uploads`, `append`, `position`): OBS itself treats sub-resource names case-sensitively, so a
 * request with `uploadid` is not an UploadPart to OBS either, and guessing would lint the wrong rules.
 */
import type { Operation, Scheme } from '../types';
import { bucketUnder } from './hosts';
import { hostOf, parseRequestUrl, percentDecode, type QueryParam } from './url';

export { bucketFromHost, normalizeEndpoint } from './hosts';

/** How the bucket is addressed: `auto` recognises OBS host names; the others force one style. */
export type Addressing = 'auto' | 'path' | 'virtual';

/** Why a request is not checked. */
export type SkipReason = 'bucket-subresource' | 'service' | 'other-operation';

/** Input of {@link classify}. */
export interface ClassifyInput {
  method: string;
  /** Absolute or origin-form; for origin-form the host comes from the `Host`/`:authority` header. */
  url: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  /** Default `auto`. */
  addressing?: Addressing;
  /**
   * Endpoint host names (normalised by {@link normalizeEndpoint}) besides OBS's public ones, for `auto`:
   * `<bucket>.<endpoint>` is virtual-hosted, the endpoint itself path-style.
   */
  endpoints?: readonly string[];
  /**
   * Take the host from `Host`/`:authority` when it differs from the URL's, as a recording made by a
   * reverse proxy needs: it holds the upstream URL, and the client's authority only in `Host`.
   */
  authorityFromHeaders?: boolean;
}

/** A request that is one of the checked operations. */
export interface ClassifiedOperation {
  kind: 'operation';
  operation: Operation;
  bucket: string;
  /** Percent-decoded object key; absent for bucket-level operations (CreateBucket, PostObject). */
  key?: string;
  uploadId?: string;
  partNumber?: number;
  /** AppendObject's `?position` (0 for the first append), when it is a non-negative integer. */
  position?: number;
  /** Absent when the recording does not say (origin-form URL): transport rules then cannot apply. */
  scheme?: Scheme;
  /** The addressing style that was used to find the bucket. */
  addressing: 'path' | 'virtual';
}

/** A request that is not checked, with the reason and a human-readable detail. */
export interface SkippedRequest {
  kind: 'skipped';
  reason: SkipReason;
  /** For example `GET ?encryption: bucket sub-resource (GetBucketEncryption)`. */
  detail: string;
  scheme?: Scheme;
  bucket?: string;
  key?: string;
}

/** The result of {@link classify}. */
export type Classification = ClassifiedOperation | SkippedRequest;

/**
 * Bucket sub-resources from the OBS API reference. Bare query names that are not listed are
 * treated as sub-resources too: OBS adds new ones, and signature parameters always carry a value.
 */
const BUCKET_SUBRESOURCES: ReadonlyMap<string, string> = new Map([
  ['acl', 'bucket ACL'],
  ['policy', 'bucket policy'],
  ['cors', 'bucket CORS'],
  ['lifecycle', 'bucket lifecycle'],
  ['versioning', 'bucket versioning'],
  ['versions', 'ListObjectVersions'],
  ['tagging', 'bucket tags'],
  ['encryption', 'bucket default encryption'],
  ['logging', 'bucket logging'],
  ['website', 'static website hosting'],
  ['notification', 'event notification'],
  ['replication', 'cross-region replication'],
  ['quota', 'bucket quota'],
  ['storageinfo', 'bucket storage info'],
  ['location', 'bucket location'],
  ['storagePolicy', 'bucket storage class'],
  ['storageClass', 'bucket storage class'],
  ['uploads', 'ListMultipartUploads'],
  ['delete', 'DeleteObjects'],
  ['inventory', 'bucket inventory'],
  ['customdomain', 'custom domain'],
  ['directcoldaccess', 'direct reading'],
  ['requestPayment', 'requester pays'],
  ['object-lock', 'WORM configuration'],
  ['mirrorBackToSource', 'mirroring back to source'],
  ['obsworkflowtriggerpolicy', 'workflow trigger policy'],
  ['publicAccessBlock', 'public access block'],
  ['policyStatus', 'bucket policy status'],
]);

/** Object sub-resources that make a request an operation without SSE rules. */
const OBJECT_SUBRESOURCES: ReadonlyMap<string, string> = new Map([
  ['acl', 'object ACL'],
  ['tagging', 'object tags'],
  ['restore', 'RestoreObject'],
  ['metadata', 'SetObjectMetadata'],
  ['truncate', 'TruncateObject'],
  ['rename', 'RenameObject'],
  ['modify', 'ModifyObject'],
  ['torrent', 'object torrent'],
]);

/** The routing headers classify reads, found in one pass. */
interface RoutingHeaders {
  host: string | undefined;
  authority: string | undefined;
  copySource: string | undefined;
  amzCopySource: string | undefined;
  contentType: string | undefined;
}

/**
 * The first value of each routing header. Names are compared by length before lower-casing: this runs
 * once per proxied request, and lower-casing every name allocated a string per header per lookup.
 */
function routingHeaders(headers: ClassifyInput['headers']): RoutingHeaders {
  const r: RoutingHeaders = {
    host: undefined,
    authority: undefined,
    copySource: undefined,
    amzCopySource: undefined,
    contentType: undefined,
  };
  if (!headers) return r;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i] as readonly [string, string];
    const n = pair[0];
    switch (n.length) {
      case 4:
        if (r.host === undefined && n.toLowerCase() === 'host') r.host = pair[1];
        break;
      case 10:
        if (r.authority === undefined && n.charCodeAt(0) === 58 && n.toLowerCase() === ':authority')
          r.authority = pair[1];
        break;
      case 12:
        if (r.contentType === undefined && n.toLowerCase() === 'content-type') r.contentType = pair[1];
        break;
      case 17: {
        if (r.copySource !== undefined && r.amzCopySource !== undefined) break;
        const lower = n.toLowerCase();
        if (lower === 'x-obs-copy-source') r.copySource ??= pair[1];
        else if (lower === 'x-amz-copy-source') r.amzCopySource ??= pair[1];
        break;
      }
    }
  }
  return r;
}

function find(query: QueryParam[], name: string): QueryParam | undefined {
  for (const q of query) if (q.name === name) return q;
  return undefined;
}

function firstIn(
  query: QueryParam[],
  names: ReadonlyMap<string, string>,
  bareCounts: boolean,
): QueryParam | undefined {
  for (const q of query) if (names.has(q.name) || (bareCounts && q.bare)) return q;
  return undefined;
}

/** What every result of one {@link classify} call shares. */
interface Target {
  scheme: Scheme | undefined;
  bucket: string | undefined;
  key: string | undefined;
  style: 'path' | 'virtual';
}

// Module-level rather than closures inside classify: a closure per call (two per request) showed in
// proxy profiles, and these results are built once per request.
function skip(t: Target, reason: SkipReason, detail: string): SkippedRequest {
  const s: SkippedRequest = { kind: 'skipped', reason, detail };
  if (t.scheme) s.scheme = t.scheme;
  if (t.bucket !== undefined) s.bucket = t.bucket;
  if (t.key !== undefined) s.key = t.key;
  return s;
}

function op(t: Target, operation: Operation, uploadId?: string, partNumber?: number): ClassifiedOperation {
  const r: ClassifiedOperation = {
    kind: 'operation',
    operation,
    bucket: t.bucket ?? '',
    addressing: t.style,
  };
  if (uploadId !== undefined) r.uploadId = uploadId;
  if (partNumber !== undefined) r.partNumber = partNumber;
  if (t.key !== undefined) r.key = t.key;
  if (t.scheme) r.scheme = t.scheme;
  return r;
}

/** Upper-cases a method, sparing the copy for the usual, already upper-case spellings. */
function upperMethod(method: string): string {
  switch (method) {
    case 'GET':
    case 'PUT':
    case 'POST':
    case 'HEAD':
    case 'DELETE':
    case 'OPTIONS':
      return method;
    default:
      return method.toUpperCase();
  }
}

/**
 * Classifies a recorded request as one of the checked OBS operations, or as skipped with a reason:
 * `bucket-subresource` (bucket configuration calls such as `?encryption`), `service` (no bucket,
 * e.g. ListBuckets) or `other-operation` (DeleteObject, ListObjects, ListParts, object ACLs…).
 */
export function classify(input: ClassifyInput): Classification {
  const method = upperMethod(input.method);
  const routing = routingHeaders(input.headers);
  const authority = routing.host ?? routing.authority;
  const url = parseRequestUrl(input.url, authority);
  if (input.authorityFromHeaders && authority !== undefined && authority !== '') url.host = hostOf(authority);
  const scheme = url.scheme;
  const addressing = input.addressing ?? 'auto';

  let bucket: string | undefined;
  let rawKey: string | undefined;
  let style: 'path' | 'virtual' = 'path';
  const path = url.rawPath.startsWith('/') ? url.rawPath.slice(1) : url.rawPath;
  const hostBucket =
    addressing === 'path' || url.host === undefined
      ? undefined
      : addressing === 'virtual'
        ? url.host.split('.')[0] || undefined
        : bucketUnder(url.host, input.endpoints);
  if (hostBucket !== undefined) {
    style = 'virtual';
    bucket = hostBucket;
    rawKey = path;
  } else if (addressing === 'virtual') {
    const skipped: SkippedRequest = {
      kind: 'skipped',
      reason: 'service',
      detail: `${method}: no host name to take the bucket from`,
    };
    if (scheme) skipped.scheme = scheme;
    return skipped;
  } else if (path !== '') {
    const slash = path.indexOf('/');
    bucket = percentDecode(slash === -1 ? path : path.slice(0, slash));
    rawKey = slash === -1 ? '' : path.slice(slash + 1);
  }
  const key = rawKey ? percentDecode(rawKey) : undefined;
  const t: Target = { scheme, bucket, key, style };

  if (bucket === undefined || bucket === '') {
    return skip(t, 'service', method === 'GET' ? 'GET /: ListBuckets' : `${method} /: service-level request`);
  }
  const q = url.query;
  const copy = routing.copySource ?? routing.amzCopySource;

  if (key === undefined) {
    const sub = firstIn(q, BUCKET_SUBRESOURCES, true);
    if (sub) {
      const what = BUCKET_SUBRESOURCES.get(sub.name) ?? 'bucket sub-resource';
      return skip(t, 'bucket-subresource', `${method} ?${sub.name}: bucket sub-resource (${what})`);
    }
    switch (method) {
      case 'PUT':
        return op(t, 'CreateBucket');
      case 'POST': {
        const type = routing.contentType;
        if (type !== undefined && !/^\s*multipart\/form-data\b/i.test(type)) {
          return skip(
            t,
            'other-operation',
            `POST to a bucket with Content-Type ${type}: PostObject is multipart/form-data`,
          );
        }
        return op(t, 'PostObject');
      }
      case 'GET':
        return skip(t, 'other-operation', 'GET on a bucket: ListObjects');
      case 'HEAD':
        return skip(t, 'other-operation', 'HEAD on a bucket: HeadBucket');
      case 'DELETE':
        return skip(t, 'other-operation', 'DELETE on a bucket: DeleteBucket');
      case 'OPTIONS':
        return skip(t, 'other-operation', 'OPTIONS: CORS preflight');
      default:
        return skip(t, 'other-operation', `${method} on a bucket`);
    }
  }

  const sub = firstIn(q, OBJECT_SUBRESOURCES, false);
  if (sub) {
    return skip(
      t,
      'other-operation',
      `${method} ?${sub.name} on an object (${OBJECT_SUBRESOURCES.get(sub.name) ?? ''})`,
    );
  }
  const uploadId = find(q, 'uploadId');
  const partNumber = find(q, 'partNumber');
  switch (method) {
    case 'PUT': {
      if (uploadId && partNumber) {
        const n = /^\d+$/.test(partNumber.value) ? Number(partNumber.value) : undefined;
        return op(t, copy !== undefined ? 'UploadPartCopy' : 'UploadPart', uploadId.value, n);
      }
      if (uploadId || partNumber) {
        return skip(
          t,
          'other-operation',
          `PUT with ?${uploadId ? 'uploadId' : 'partNumber'} but no ?${uploadId ? 'partNumber' : 'uploadId'}: not an UploadPart`,
        );
      }
      return op(t, copy !== undefined ? 'CopyObject' : 'PutObject');
    }
    case 'POST':
      if (uploadId) return op(t, 'CompleteMultipartUpload', uploadId.value);
      if (find(q, 'uploads')) return op(t, 'InitiateMultipartUpload');
      if (find(q, 'append')) {
        const append = op(t, 'AppendObject');
        // A position OBS would refuse (not a number) leaves it unknown: the rules about one append then wait.
        const position = find(q, 'position')?.value;
        if (position !== undefined && /^\d{1,15}$/.test(position)) append.position = Number(position);
        return append;
      }
      return skip(t, 'other-operation', 'POST to an object without ?uploads, ?uploadId or ?append');
    case 'GET':
      if (uploadId) return skip(t, 'other-operation', 'GET ?uploadId: ListParts');
      if (find(q, 'uploads')) return skip(t, 'other-operation', 'GET ?uploads: ListMultipartUploads');
      return op(t, 'GetObject');
    case 'HEAD':
      return op(t, 'HeadObject');
    case 'DELETE':
      return skip(
        t,
        'other-operation',
        uploadId ? 'DELETE ?uploadId: AbortMultipartUpload' : 'DELETE: DeleteObject',
      );
    case 'OPTIONS':
      return skip(t, 'other-operation', 'OPTIONS: CORS preflight');
    default:
      return skip(t, 'other-operation', `${method} on an object`);
  }
}
