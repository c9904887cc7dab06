import { md5 } from './md5';
import type { Dialect } from './types';
import { encodeBase64 } from './values/base64';

export interface SseCOptions {
  /** Build the copy-source triple (x-obs-copy-source-server-side-encryption-customer-*) instead. */
  copySource?: boolean;
  dialect?: Dialect;
}

/**
 * Builds correct SSE-C headers from raw key bytes: the algorithm, the standard base64 of the key, and the
 * base64 MD5 of the key bytes. Throws a TypeError (which never contains the key) unless the key is 32 bytes.
 */
export function sseCHeaders(key: Uint8Array, options: SseCOptions = {}): Record<string, string> {
  if (!(key instanceof Uint8Array))
    throw new TypeError('sseCHeaders: the key must be a Uint8Array (a Buffer is one)');
  if (key.length !== 32) {
    throw new TypeError(`sseCHeaders: an SSE-C key is 32 bytes (AES-256); this one has ${key.length}`);
  }
  const prefix = `${options.dialect === 's3' ? 'x-amz' : 'x-obs'}-${options.copySource ? 'copy-source-' : ''}server-side-encryption-customer-`;
  return {
    [`${prefix}algorithm`]: 'AES256',
    [`${prefix}key`]: encodeBase64(key),
    [`${prefix}key-MD5`]: encodeBase64(md5(key)),
  };
}
