import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { StoredSse } from './sse';

/** Size and digests of a body that streamed through; its bytes only when it was small. */
export interface BodyDigest {
  size: number;
  /** Hex SHA-256 of the whole body. */
  sha256: string;
  /** Hex MD5, for ETags. */
  md5: string;
  /** The body itself, when it was no larger than the retain limit. */
  bytes?: Buffer;
}

/**
 * Reads a stream to its end, hashing as it goes and keeping the bytes only while they stay within
 * `retainLimit`, so a 256 MB upload costs no more memory than a 1 MB one.
 */
export async function digestStream(stream: Readable, retainLimit: number): Promise<BodyDigest> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  let chunks: Buffer[] | undefined = [];
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    sha.update(buf);
    md5.update(buf);
    size += buf.length;
    if (chunks) {
      if (size <= retainLimit) chunks.push(buf);
      else chunks = undefined;
    }
  }
  const out: BodyDigest = { size, sha256: sha.digest('hex'), md5: md5.digest('hex') };
  if (chunks) out.bytes = Buffer.concat(chunks);
  return out;
}

/** An object as the stand-in remembers it. */
export interface StoredObject {
  bucket: string;
  key: string;
  size: number;
  /** Hex SHA-256 of the content; absent for a large multipart object whose parts were not retained. */
  sha256?: string;
  /** Quoted, as OBS returns it. */
  etag: string;
  /** The content, for objects no larger than the retain limit. */
  bytes?: Buffer;
  contentType?: string;
  /** `meta-*` user metadata, names without the dialect prefix. */
  metadata: [string, string][];
  sse?: StoredSse;
  lastModified: Date;
  /** Running digests of an appendable object, so appends need not re-read it. */
  append?: { sha: Hash; md5: Hash };
}

/** One uploaded part of a multipart upload. */
export interface StoredPart {
  partNumber: number;
  size: number;
  sha256: string;
  etag: string;
  md5: string;
  bytes?: Buffer;
  lastModified: Date;
}

/** An open multipart upload. */
export interface Upload {
  uploadId: string;
  bucket: string;
  key: string;
  sse?: StoredSse;
  contentType?: string;
  metadata: [string, string][];
  initiated: Date;
  parts: Map<number, StoredPart>;
}

export interface StoredBucket {
  name: string;
  created: Date;
  /** Default encryption from the CreateBucket request, applied to writes that ask for none. */
  defaultSse?: StoredSse;
  objects: Map<string, StoredObject>;
}

/** Buckets, objects and open uploads of one stand-in. Buckets spring into being on first use. */
export class Store {
  readonly buckets = new Map<string, StoredBucket>();
  readonly uploads = new Map<string, Upload>();

  bucket(name: string): StoredBucket {
    let b = this.buckets.get(name);
    if (!b) {
      b = { name, created: new Date(), objects: new Map() };
      this.buckets.set(name, b);
    }
    return b;
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  putObject(obj: StoredObject): void {
    this.bucket(obj.bucket).objects.set(obj.key, obj);
  }

  newUpload(
    bucket: string,
    key: string,
    init: Omit<Upload, 'uploadId' | 'bucket' | 'key' | 'parts' | 'initiated'>,
  ): Upload {
    const upload: Upload = {
      uploadId: randomBytes(16).toString('hex').toUpperCase(),
      bucket,
      key,
      initiated: new Date(),
      parts: new Map(),
      ...init,
    };
    this.uploads.set(upload.uploadId, upload);
    return upload;
  }

  /**
   * Joins the listed parts into an object. The SHA-256 of the whole is known only when every part's
   * bytes were retained; the ETag follows OBS and S3: MD5 of the part MD5s, dash, part count.
   */
  assemble(upload: Upload, partNumbers: number[], retainLimit: number): StoredObject {
    const parts = partNumbers.map((n) => upload.parts.get(n)).filter((p): p is StoredPart => p !== undefined);
    const size = parts.reduce((acc, p) => acc + p.size, 0);
    const etagHash = createHash('md5');
    for (const p of parts) etagHash.update(Buffer.from(p.md5, 'hex'));
    const obj: StoredObject = {
      bucket: upload.bucket,
      key: upload.key,
      size,
      etag: `"${etagHash.digest('hex')}-${parts.length}"`,
      metadata: upload.metadata,
      lastModified: new Date(),
    };
    if (upload.contentType !== undefined) obj.contentType = upload.contentType;
    if (upload.sse) obj.sse = upload.sse;
    if (parts.every((p) => p.bytes !== undefined)) {
      const sha = createHash('sha256');
      for (const p of parts) sha.update(p.bytes as Buffer);
      obj.sha256 = sha.digest('hex');
      if (size <= retainLimit) obj.bytes = Buffer.concat(parts.map((p) => p.bytes as Buffer));
    }
    return obj;
  }
}
