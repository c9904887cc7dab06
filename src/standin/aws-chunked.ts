/**
 * The S3 `aws-chunked` content encoding, which newer S3 clients (boto3 1.36 and later, by default) use to send a
 * body with a trailing checksum: `hex-size[;chunk-signature=…]\r\n` + data + `\r\n`, repeated, then a
 * zero-size chunk, trailer lines and an empty line. The stand-in stores the decoded object, as OBS does.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Longest chunk-size line accepted (a size, a signature extension, CRLF). */
const MAX_LINE = 4096;

/** Whether a request's body is aws-chunked. */
export function isAwsChunked(header: (name: string) => string | undefined): boolean {
  const enc = header('content-encoding') ?? '';
  const sha = header('x-amz-content-sha256') ?? '';
  return /(?:^|,)\s*aws-chunked\s*(?:,|$)/i.test(enc) || sha.startsWith('STREAMING-');
}

/** Decodes an aws-chunked body; a malformed one fails the stream with an error naming what was wrong. */
export function awsChunkedDecoder(): Transform {
  let pending: Buffer = Buffer.alloc(0);
  /** Data bytes left in the current chunk (plus its CRLF, counted in `crlf`). */
  let left = 0;
  let crlf = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      try {
        while (pending.length > 0 && !done) {
          if (left > 0) {
            const n = Math.min(left, pending.length);
            this.push(pending.subarray(0, n));
            pending = pending.subarray(n);
            left -= n;
            continue;
          }
          if (crlf > 0) {
            const n = Math.min(crlf, pending.length);
            pending = pending.subarray(n);
            crlf -= n;
            continue;
          }
          const eol = pending.indexOf('\r\n');
          if (eol < 0) {
            if (pending.length > MAX_LINE) throw new Error('aws-chunked: chunk-size line too long');
            break;
          }
          const line = pending.subarray(0, eol).toString('latin1');
          pending = pending.subarray(eol + 2);
          const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
          if (!Number.isFinite(size) || size < 0 || !/^[0-9a-f]+$/i.test(line.split(';')[0]!.trim()))
            throw new Error(`aws-chunked: bad chunk size line ${JSON.stringify(line.slice(0, 64))}`);
          // The zero-size chunk ends the data; trailers (checksums) follow and are not part of the object.
          if (size === 0) done = true;
          else {
            left = size;
            crlf = 2;
          }
        }
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
