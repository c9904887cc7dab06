import { createHash, randomUUID } from 'node:crypto';
import type { Dialect } from '../types';

/** What a request (or a form) asked for about one SSE-C key: the target's or the copy source's. */
export interface CustomerKeyRequest {
  /** The algorithm header as sent, if sent. */
  algorithm?: string;
  /** True when the key header was present (its value is never kept). */
  keyPresent: boolean;
  /** Bytes of the base64-decoded key; absent when no key was sent or it was not valid base64. */
  keyBytes?: number;
  /** Base64 MD5 of the decoded key, as this stand-in computed it. */
  keyMd5Actual?: string;
  /** The `-key-MD5` header as sent. */
  keyMd5Given?: string;
}

/** The SSE parameters of one request, read in the request's dialect. Holds no key material. */
export interface SseRequest {
  /** `server-side-encryption` as sent (`kms`, `AES256`, `aws:kms`, or anything else). */
  sse?: string;
  /** `x-obs-server-side-data-encryption` (OBS only), e.g. `SM4`. */
  dataEncryption?: string;
  /** The KMS key id header of the dialect (`-kms-key-id` for OBS, `-aws-kms-key-id` for S3). */
  kmsKeyId?: string;
  /**
   * S3 dialect only: `x-amz-server-side-encryption-kms-key-id`, the name the SDK's AppendObject and
   * ModifyObject send instead of `-aws-kms-key-id`. Recorded, not honoured, as OBS would not either.
   */
  misnamedKmsKeyId?: string;
  projectId?: string;
  customer?: CustomerKeyRequest;
  copySourceCustomer?: CustomerKeyRequest;
}

/** How a stored object (or a bucket default, or an open multipart upload) is encrypted. */
export interface StoredSse {
  /** `kms`, `AES256` or another value accepted leniently; absent for SSE-C only / unencrypted. */
  method?: string;
  /** Full form `region:domainid:key/keyid`. */
  kmsKeyId?: string;
  /** True when the client named the key (OBS returns the project id only for custom keys). */
  customKey?: boolean;
  dataEncryption?: string;
  projectId?: string;
  /** SSE-C: the algorithm as sent (absent when the client sent a key without one). */
  customerAlgorithm?: string;
  /** SSE-C: base64 MD5 of the key; the only trace of the key that is kept. */
  customerKeyMd5?: string;
}

/** An OBS-style error the stand-in answers with. */
export interface SseError {
  status: number;
  code: string;
  message: string;
}

/** `x-obs-` or `x-amz-`. */
export const prefixOf = (dialect: Dialect): string => (dialect === 'obs' ? 'x-obs-' : 'x-amz-');

type Lookup = (name: string) => string | undefined;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function readCustomer(get: Lookup, base: string): CustomerKeyRequest | undefined {
  const algorithm = get(`${base}-algorithm`);
  const key = get(`${base}-key`);
  const md5 = get(`${base}-key-md5`);
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  const out: CustomerKeyRequest = { keyPresent: key !== undefined };
  if (algorithm !== undefined) out.algorithm = algorithm;
  if (md5 !== undefined) out.keyMd5Given = md5;
  if (key !== undefined && BASE64.test(key.trim())) {
    const bytes = Buffer.from(key.trim(), 'base64');
    out.keyBytes = bytes.length;
    out.keyMd5Actual = createHash('md5').update(bytes).digest('base64');
    bytes.fill(0);
  }
  return out;
}

/**
 * Reads the SSE parameters of a request from a case-insensitive lookup (request headers, or the fields
 * of a POST form) in the given dialect.
 */
export function readSseRequest(get: Lookup, dialect: Dialect): SseRequest {
  const p = prefixOf(dialect);
  const out: SseRequest = {};
  const set = <K extends keyof SseRequest>(k: K, v: SseRequest[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('sse', get(`${p}server-side-encryption`));
  if (dialect === 'obs') {
    set('dataEncryption', get('x-obs-server-side-data-encryption'));
    set('kmsKeyId', get('x-obs-server-side-encryption-kms-key-id'));
  } else {
    set('kmsKeyId', get('x-amz-server-side-encryption-aws-kms-key-id'));
    set('misnamedKmsKeyId', get('x-amz-server-side-encryption-kms-key-id'));
  }
  set('projectId', get(`${p}sse-kms-key-project-id`));
  set('customer', readCustomer(get, `${p}server-side-encryption-customer`));
  set('copySourceCustomer', readCustomer(get, `${p}copy-source-server-side-encryption-customer`));
  return out;
}

/**
 * The obvious SSE-C breakage OBS itself refuses with a 400: an algorithm other than AES256, a key
 * that is not 32 bytes of base64, an MD5 that does not match the key. Anything subtler (a missing
 * header of the triple, SSE-C mixed with SSE-KMS) is left to the validation engine.
 */
export function checkCustomerKey(c: CustomerKeyRequest | undefined, what: string): SseError | undefined {
  if (!c) return undefined;
  if (c.keyPresent && c.algorithm !== undefined && c.algorithm !== 'AES256') {
    return {
      status: 400,
      code: 'InvalidEncryptionAlgorithmError',
      message: `The encryption request you specified is not valid. The valid value is AES256 (${what}).`,
    };
  }
  if (c.keyPresent && c.keyBytes !== 32) {
    return {
      status: 400,
      code: 'InvalidArgument',
      message: `The secret key was invalid for the specified algorithm (${what}: ${
        c.keyBytes === undefined ? 'not base64' : `${c.keyBytes} bytes, expected 32`
      }).`,
    };
  }
  if (c.keyPresent && c.keyMd5Given !== undefined && c.keyMd5Given.trim() !== c.keyMd5Actual) {
    return {
      status: 400,
      code: 'InvalidArgument',
      message: `The calculated MD5 hash of the key did not match the hash that was provided (${what}).`,
    };
  }
  return undefined;
}

/** Where synthesized KMS key ids point: a fake region and account, like OBS's default master key. */
export interface KmsIdentity {
  region: string;
  domainId: string;
  /** The key id OBS reports when the client names none (its default key). */
  defaultKeyId: string;
}

/** A fresh fake identity for one stand-in instance. */
export function newKmsIdentity(region = 'cn-north-4'): KmsIdentity {
  const domainId = randomUUID().replace(/-/g, '');
  return { region, domainId, defaultKeyId: `${region}:${domainId}:key/${randomUUID()}` };
}

/** Responses return the full `region:domainid:key/keyid` form whatever the request sent. */
export function fullKeyId(keyId: string, kms: KmsIdentity): string {
  return keyId.includes(':key/') ? keyId : `${kms.region}:${kms.domainId}:key/${keyId}`;
}

/** True for the request value meaning SSE-KMS in the dialect (`kms`, or `aws:kms` for S3). */
export const isKmsValue = (value: string | undefined, dialect: Dialect): boolean =>
  value === (dialect === 'obs' ? 'kms' : 'aws:kms');

/**
 * What an object write stores, from its request: SSE-C when a key was sent, otherwise the requested
 * server-side method, otherwise the bucket default. Lenient by design: unexpected values are kept
 * verbatim so a response shows what the server was asked for.
 */
export function storedFromRequest(
  req: SseRequest,
  dialect: Dialect,
  kms: KmsIdentity,
  bucketDefault?: StoredSse,
): StoredSse | undefined {
  const out: StoredSse = {};
  if (req.customer?.keyPresent && req.customer.keyMd5Actual) {
    if (req.customer.algorithm !== undefined) out.customerAlgorithm = req.customer.algorithm;
    out.customerKeyMd5 = req.customer.keyMd5Actual;
  }
  if (req.sse !== undefined) {
    if (isKmsValue(req.sse, dialect)) {
      out.method = 'kms';
      out.customKey = req.kmsKeyId !== undefined;
      out.kmsKeyId = req.kmsKeyId !== undefined ? fullKeyId(req.kmsKeyId, kms) : kms.defaultKeyId;
      if (req.dataEncryption !== undefined) out.dataEncryption = req.dataEncryption;
      if (req.projectId !== undefined && out.customKey) out.projectId = req.projectId;
    } else {
      out.method = req.sse;
    }
  }
  if (out.method === undefined && out.customerKeyMd5 === undefined && bucketDefault) {
    return { ...bucketDefault, method: bucketDefault.method === 'obs' ? 'AES256' : bucketDefault.method };
  }
  return out.method === undefined && out.customerKeyMd5 === undefined ? undefined : out;
}

/** A bucket's default encryption from its CreateBucket request (`kms` or `obs` in OBS's spelling). */
export function bucketDefaultFromRequest(
  req: SseRequest,
  dialect: Dialect,
  kms: KmsIdentity,
): StoredSse | undefined {
  if (req.sse === undefined) return undefined;
  if (isKmsValue(req.sse, dialect)) {
    const out: StoredSse = {
      method: 'kms',
      customKey: req.kmsKeyId !== undefined,
      kmsKeyId: req.kmsKeyId !== undefined ? fullKeyId(req.kmsKeyId, kms) : kms.defaultKeyId,
      dataEncryption: req.dataEncryption ?? 'AES256',
    };
    if (req.projectId !== undefined && out.customKey) out.projectId = req.projectId;
    return out;
  }
  const out: StoredSse = { method: req.sse };
  if (req.dataEncryption !== undefined) out.dataEncryption = req.dataEncryption;
  return out;
}

/**
 * Response headers describing stored encryption, spelled in the dialect of the request being
 * answered, the way OBS returns them: the method, the full KMS key id, the SSE-C algorithm and key
 * MD5 (never the key). A bucket default keeps the `obs` spelling it was created with.
 */
export function sseResponseHeaders(stored: StoredSse | undefined, dialect: Dialect): [string, string][] {
  if (!stored) return [];
  const p = prefixOf(dialect);
  const out: [string, string][] = [];
  if (stored.method !== undefined) {
    const kms = stored.method === 'kms';
    out.push([`${p}server-side-encryption`, kms && dialect === 's3' ? 'aws:kms' : stored.method]);
    if (kms && stored.kmsKeyId !== undefined) {
      const name =
        dialect === 'obs'
          ? 'x-obs-server-side-encryption-kms-key-id'
          : `${p}server-side-encryption-aws-kms-key-id`;
      out.push([name, stored.kmsKeyId]);
    }
    if (stored.dataEncryption !== undefined && dialect === 'obs') {
      out.push(['x-obs-server-side-data-encryption', stored.dataEncryption]);
    }
    if (stored.projectId !== undefined && stored.customKey) {
      out.push([`${p}sse-kms-key-project-id`, stored.projectId]);
    }
  }
  if (stored.customerKeyMd5 !== undefined) {
    if (stored.customerAlgorithm !== undefined) {
      out.push([`${p}server-side-encryption-customer-algorithm`, stored.customerAlgorithm]);
    }
    out.push([`${p}server-side-encryption-customer-key-MD5`, stored.customerKeyMd5]);
  }
  return out;
}

/**
 * Checks that a request may read (or write a part of) data encrypted with `stored`: an SSE-C object
 * needs the same key again, and a key sent for data that is not SSE-C is refused, as OBS does.
 */
export function checkCustomerAccess(
  stored: StoredSse | undefined,
  given: CustomerKeyRequest | undefined,
  what: string,
): SseError | undefined {
  const needs = stored?.customerKeyMd5;
  const has = given?.keyPresent ? given.keyMd5Actual : undefined;
  if (needs === undefined) {
    if (has === undefined) return undefined;
    return {
      status: 400,
      code: 'InvalidRequest',
      message: `The ${what} is not encrypted with a customer-provided key, but SSE-C parameters were sent.`,
    };
  }
  if (has === undefined) {
    return {
      status: 400,
      code: 'InvalidRequest',
      message: `The ${what} was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.`,
    };
  }
  if (has !== needs) {
    return {
      status: 403,
      code: 'AccessDenied',
      message: `The SSE-C key does not match the key of the ${what}.`,
    };
  }
  return undefined;
}
