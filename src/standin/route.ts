import { isIP } from 'node:net';
import type { Dialect, Operation } from '../types';

/** The operations the stand-in tells apart: the rule operations plus what the SDK needs around them. */
export type StandinOperation =
  | Operation
  | 'HeadApiVersion'
  | 'ListBuckets'
  | 'HeadBucket'
  | 'ListObjects'
  | 'DeleteBucket'
  | 'BucketSubresource'
  | 'ObjectSubresource'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'AbortMultipartUpload'
  | 'Options'
  | 'Unknown';

/** Where a request points: path-style (`/bucket/key`) or virtual-hosted (`bucket.domain/key`). */
export interface Target {
  addressing: 'path' | 'virtual';
  bucket?: string;
  key?: string;
}

// Real OBS endpoints: obs.{region}.myhuaweicloud.com, with the bucket as the leftmost labels.
const OBS_ENDPOINT = /^(?:(.+)\.)?(obs\.[a-z0-9-]+\.myhuaweicloud\.com)$/;

function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Splits a request into bucket and key. A host `{bucket}.{domain}` for one of `domains` (and real
 * OBS endpoint names) is virtual-hosted; an IP address, a bare domain or any other host is path-style.
 */
export function resolveTarget(
  hostHeader: string | undefined,
  rawPath: string,
  domains: readonly string[],
): Target {
  const hostname = hostnameOf(hostHeader ?? '');
  const path = rawPath.split('?')[0] ?? '/';
  let bucket: string | undefined;
  if (hostname !== '' && isIP(hostname.replace(/^\[|\]$/g, '')) === 0) {
    const obs = OBS_ENDPOINT.exec(hostname);
    if (obs) bucket = obs[1];
    else {
      for (const domain of domains) {
        const d = domain.toLowerCase();
        if (hostname.endsWith(`.${d}`)) {
          bucket = hostname.slice(0, -(d.length + 1));
          break;
        }
      }
    }
  }
  if (bucket !== undefined) {
    const key = decodePath(path.replace(/^\//, ''));
    return key === '' ? { addressing: 'virtual', bucket } : { addressing: 'virtual', bucket, key };
  }
  const trimmed = path.replace(/^\//, '');
  if (trimmed === '') return { addressing: 'path' };
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { addressing: 'path', bucket: decodePath(trimmed) };
  const key = decodePath(trimmed.slice(slash + 1));
  const b = decodePath(trimmed.slice(0, slash));
  return key === '' ? { addressing: 'path', bucket: b } : { addressing: 'path', bucket: b, key };
}

/** The query parameters of a request target, names as sent, values decoded (`''` when valueless). */
export function parseQuery(rawPath: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = rawPath.indexOf('?');
  if (q < 0) return out;
  for (const part of rawPath.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodePath(eq < 0 ? part : part.slice(0, eq));
    out.set(name, eq < 0 ? '' : decodePath(part.slice(eq + 1).replace(/\+/g, ' ')));
  }
  return out;
}

/**
 * The dialect of a request: from its `x-obs-`/`x-amz-` headers (or form fields), else its
 * Authorization scheme, else its pre-signed query parameters; OBS when nothing tells.
 */
export function detectDialect(
  names: Iterable<string>,
  authorization: string | undefined,
  query: Map<string, string>,
): Dialect {
  let obs = false;
  let s3 = false;
  for (const n of names) {
    const l = n.toLowerCase();
    if (l.startsWith('x-obs-') || l === 'accesskeyid') obs = true;
    else if (l.startsWith('x-amz-') || l === 'awsaccesskeyid') s3 = true;
  }
  if (obs !== s3) return obs ? 'obs' : 's3';
  const auth = authorization?.trim() ?? '';
  if (auth.startsWith('OBS ')) return 'obs';
  if (auth.startsWith('AWS ') || auth.startsWith('AWS4-')) return 's3';
  for (const name of query.keys()) {
    const l = name.toLowerCase();
    if (l === 'accesskeyid') return 'obs';
    if (l === 'awsaccesskeyid' || l.startsWith('x-amz-')) return 's3';
  }
  return 'obs';
}

// Sub-resources that turn a bucket or object request into a configuration call (ACL, tagging, ...).
const SUBRESOURCES = new Set([
  'acl',
  'policy',
  'cors',
  'lifecycle',
  'logging',
  'website',
  'versioning',
  'versions',
  'tagging',
  'encryption',
  'location',
  'storageinfo',
  'quota',
  'notification',
  'replication',
  'storagepolicy',
  'storageclass',
  'requestpayment',
  'inventory',
  'customdomain',
  'publicaccessblock',
  'policystatus',
  'bucketstatus',
  'directcoldaccess',
  'metadata',
  'restore',
  'rename',
  'truncate',
  'modify',
  'object-lock',
  'retention',
  'mirrorbacktosource',
  'obscompresspolicy',
  'replication_progress',
]);
const isSubresource = (name: string): boolean => SUBRESOURCES.has(name.toLowerCase());

/** Names the operation a request performs. */
export function classify(
  method: string,
  target: Target,
  query: Map<string, string>,
  header: (name: string) => string | undefined,
): StandinOperation {
  const m = method.toUpperCase();
  const has = (q: string): boolean => query.has(q);
  const copySource = header('x-obs-copy-source') ?? header('x-amz-copy-source');
  if (m === 'OPTIONS') return 'Options';
  if (has('apiversion') && m === 'HEAD') return 'HeadApiVersion';
  if (target.bucket === undefined) return m === 'GET' ? 'ListBuckets' : 'Unknown';
  if (target.key === undefined) {
    const subresource = query.size > 0;
    switch (m) {
      case 'PUT':
        return subresource ? 'BucketSubresource' : 'CreateBucket';
      case 'POST':
        if (/multipart\/form-data/i.test(header('content-type') ?? '')) return 'PostObject';
        return has('delete') ? 'DeleteObjects' : 'Unknown';
      case 'HEAD':
        return 'HeadBucket';
      case 'GET':
        if (has('uploads')) return 'ListMultipartUploads';
        return [...query.keys()].some(isSubresource) ? 'BucketSubresource' : 'ListObjects';
      case 'DELETE':
        return subresource ? 'BucketSubresource' : 'DeleteBucket';
      default:
        return 'Unknown';
    }
  }
  switch (m) {
    case 'PUT':
      if (has('partNumber') && has('uploadId'))
        return copySource !== undefined ? 'UploadPartCopy' : 'UploadPart';
      if ([...query.keys()].some(isSubresource)) return 'ObjectSubresource';
      return copySource !== undefined ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (has('uploads')) return 'InitiateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      if (has('append')) return 'AppendObject';
      return 'ObjectSubresource';
    case 'GET':
      if (has('uploadId')) return 'ListParts';
      return [...query.keys()].some(isSubresource) ? 'ObjectSubresource' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      return 'Unknown';
  }
}
