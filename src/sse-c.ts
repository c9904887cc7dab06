import { md5 } from './md5';
import type { Dialect } from './types';
import { encodeBase64 } from './values/base64';

export interface SseCOptions {
  /** Build the copy-source triple (x-obs-copy-source-server-side-encryption-customer-*) instead. */
  copySource?: boolean;
  dialect?: Dialect;
}

/** The three SSE-C headers under one prefix, spelt as `sseCHeaders` returns them (`key-MD5`). */
export type SseCHeaderMap<P extends string> = { [K in `${P}algorithm`]: 'AES256' } & {
  [K in `${P}key` | `${P}key-MD5`]: string;
};

/**
 * Builds correct SSE-C headers from raw key bytes: the algorithm, the standard base64 of the key, and the
 * base64 MD5 of the key bytes. Throws a TypeError (which never contains the key) unless the key is 32 bytes.
 * The result's type names its three headers, so it assigns to the generated per-operation types.
 */
export function sseCHeaders(
  key: Uint8Array,
  options?: { copySource?: false; dialect?: 'obs' },
): SseCHeaderMap<'x-obs-server-side-encryption-customer-'>;
export function sseCHeaders(
  key: Uint8Array,
  options: { copySource: true; dialect?: 'obs' },
): SseCHeaderMap<'x-obs-copy-source-server-side-encryption-customer-'>;
export function sseCHeaders(
  key: Uint8Array,
  options: { copySource?: false; dialect: 's3' },
): SseCHeaderMap<'x-amz-server-side-encryption-customer-'>;
export function sseCHeaders(
  key: Uint8Array,
  options: { copySource: true; dialect: 's3' },
): SseCHeaderMap<'x-amz-copy-source-server-side-encryption-customer-'>;
export function sseCHeaders(key: Uint8Array, options?: SseCOptions): Record<string, string>;
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
