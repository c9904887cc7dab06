/**
 * Which names carry secrets: the header, query parameter and form field names whose values redact.ts
 * replaces, compared case-insensitively after percent-decoding (nested escapes too), plus any name that
 * spells a customer key (`…-customer-keys`, minio's `SSECustomerKey`); and the markers a redacted value
 * shows. See redact.ts for the redaction itself.
 */
import { percentDecodeAll } from './redact-values';

/** What every secret value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Values other tools write in place of a secret: ours, Traefik's `REDACTED`, Rails' `[FILTERED]`, and
 * the usual `***` and `<redacted>`. A header holding one was sent, with its value hidden. Compared
 * trimmed and case-insensitively; any run of three or more `*` counts as `***`.
 */
export const REDACTION_MARKERS: readonly string[] = Object.freeze([
  REDACTED,
  'REDACTED',
  '***',
  '<redacted>',
  '[FILTERED]',
]);

const STARS = /^\*{3,}$/;

/**
 * A test for redaction markers: {@link REDACTION_MARKERS} and `extra` (a configured list). Short
 * values only: a marker is never long, and a long value is never lower-cased here.
 */
export function redactionMarkerTest(extra: readonly string[] = []): (value: string) => boolean {
  const markers = new Set([...REDACTION_MARKERS, ...extra].map((m) => m.trim().toLowerCase()));
  let longest = 0;
  for (const m of markers) longest = Math.max(longest, m.length);
  return (value) => {
    if (value.length > longest + 8) return false;
    const v = value.trim();
    return STARS.test(v) || markers.has(v.toLowerCase());
  };
}

/** Lower-case header names whose values are secret. */
export const SECRET_HEADER_NAMES: readonly string[] = Object.freeze([
  'x-obs-server-side-encryption-customer-key',
  'x-obs-copy-source-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key',
  'authorization',
  'x-obs-security-token',
  'x-amz-security-token',
  'proxy-authorization',
  'cookie',
]);

/**
 * Lower-case query-parameter names that carry credentials in pre-signed URLs (OBS, S3 v2 and S3 v4).
 * `Policy` is here because a POST policy may embed form fields, the SSE-C key among them.
 */
export const SECRET_QUERY_NAMES: readonly string[] = Object.freeze([
  'signature',
  'accesskeyid',
  'x-obs-security-token',
  'awsaccesskeyid',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'policy',
]);

/**
 * Lower-case form-field names that are secret in a browser POST upload (PostObject). `token` is OBS's
 * `ak:signature:policy` field; `policy` can embed the SSE-C key when the key is a policy condition.
 */
export const SECRET_FORM_FIELD_NAMES: readonly string[] = Object.freeze([
  ...SECRET_HEADER_NAMES,
  ...SECRET_QUERY_NAMES,
  'token',
]);

const secretHeaders = new Set(SECRET_HEADER_NAMES);
const secretQuery = new Set([...SECRET_QUERY_NAMES, ...SECRET_HEADER_NAMES]);
const secretForm = new Set(SECRET_FORM_FIELD_NAMES);

/** A name as compared: percent-decoded (nested escapes too), trimmed, lower-cased. */
const plainName = (name: string): string => percentDecodeAll(name).trim().toLowerCase();

/**
 * True for a name that carries a customer key however it is spelt: its letters and digits contain
 * `customerkey` and do not end in `md5` (`…-customer-key`, `…-customer-keys`, `SSECustomerKey`,
 * `customer%252Dkey`).
 */
export function isKeyName(name: string): boolean {
  // Most names have neither `customer` nor an escape: they are answered without decoding (a hot path).
  if (name.indexOf('%') < 0 && !hasCustomer(name)) return false;
  const compact = plainName(name).replace(/[^a-z0-9]/g, '');
  return compact.includes('customerkey') && !compact.endsWith('md5');
}

const CUSTOMER = 'customer';

/** Whether `name` contains `customer` in any case, without building a lower-cased copy. */
function hasCustomer(name: string): boolean {
  const last = name.length - CUSTOMER.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < CUSTOMER.length; j++) {
      if ((name.charCodeAt(i + j) | 32) !== CUSTOMER.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}

// Lengths of the secret header names: most names are answered by their length alone (a hot path).
const secretHeaderLengths = new Set(SECRET_HEADER_NAMES.map((n) => n.length));

/** True when a header of this name (any case) carries a secret value. */
export function isSecretHeader(name: string): boolean {
  const trimmed = name.charCodeAt(0) > 32 && name.charCodeAt(name.length - 1) > 32 ? name : name.trim();
  return (
    (secretHeaderLengths.has(trimmed.length) && secretHeaders.has(trimmed.toLowerCase())) || isKeyName(name)
  );
}

/** True when a query parameter of this name (any case, percent-encoded or not) carries a secret value. */
export function isSecretQueryParam(name: string): boolean {
  return secretQuery.has(plainName(name)) || isKeyName(name);
}

/** True when a POST form field of this name (any case) carries a secret value. */
export function isSecretFormField(name: string): boolean {
  return secretForm.has(plainName(name)) || isKeyName(name);
}
