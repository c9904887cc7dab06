/**
 * The one place where secrets are taken out of anything this project prints, records or reports.
 *
 * Secrets here are SSE-C customer keys (target and copy-source, both dialects) and credentials
 * (authorization headers, security tokens, signatures, POST policies). The `-key-MD5` headers are
 * fingerprints of a key, not the key, and stay visible: they are what a reader needs to tell two
 * keys apart.
 */

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

/** True when a header of this name (any case) carries a secret value. */
export function isSecretHeader(name: string): boolean {
  return secretHeaders.has(name.trim().toLowerCase());
}

/** True when a query parameter of this name (any case) carries a secret value. */
export function isSecretQueryParam(name: string): boolean {
  return secretQuery.has(name.trim().toLowerCase());
}

/** True when a POST form field of this name (any case) carries a secret value. */
export function isSecretFormField(name: string): boolean {
  return secretForm.has(name.trim().toLowerCase());
}

/** A header value with the secret replaced; arrays (repeated headers) are redacted element by element. */
export function redactHeaderValue<V>(name: string, value: V): V | string | string[] {
  if (!isSecretHeader(name)) return value;
  if (Array.isArray(value)) return value.map(() => REDACTED);
  return REDACTED;
}

/** Header pairs, as node's `rawHeaders` paired up or as fetch's `Headers` entries give them. */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>;
/** A plain header object such as node:http's `IncomingHttpHeaders` or `OutgoingHttpHeaders`. */
export type HeaderRecord = { readonly [name: string]: string | number | readonly string[] | undefined };

/**
 * A copy of the headers with every secret value replaced by {@link REDACTED}. Pairs stay pairs in
 * their order, objects stay objects with their keys as spelled; the input is not modified.
 */
export function redactHeaders(headers: HeaderPairs): [string, string][];
export function redactHeaders<T extends HeaderRecord>(
  headers: T,
): { [K in keyof T]: T[K] | string | string[] };
export function redactHeaders(headers: HeaderPairs | HeaderRecord): unknown {
  if (Array.isArray(headers)) {
    return (headers as HeaderPairs).map(([name, value]): [string, string] => [
      name,
      isSecretHeader(name) ? REDACTED : value,
    ]);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers as HeaderRecord)) {
    out[name] = redactHeaderValue(name, value);
  }
  return out;
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    // A malformed escape still names the parameter well enough to compare; keep it raw.
    return component;
  }
}

const ENCODED_REDACTED = encodeURIComponent(REDACTED);

/** `a=1&Signature=x` with secret values replaced, each `&`-separated part otherwise untouched. */
function redactQueryString(query: string): string {
  if (query === '') return query;
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq < 0 ? part : part.slice(0, eq);
      if (!isSecretQueryParam(safeDecode(rawName))) return part;
      // A valueless secret name (`?Signature`) has nothing to hide; keep it as it was.
      return eq < 0 ? part : `${rawName}=${ENCODED_REDACTED}`;
    })
    .join('&');
}

/**
 * The URL with credential and secret-header query parameters redacted (names compared
 * case-insensitively) and any `user:password@` password replaced. Everything else is kept byte for
 * byte, so the result still identifies the request. Works on absolute URLs, origin-form request
 * targets (`/bucket/key?x=y`) and malformed strings alike; never throws.
 */
export function redactUrl(url: string): string {
  if (typeof url !== 'string' || url === '') return url;
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  let head = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt < 0 ? null : beforeHash.slice(queryAt + 1);

  // userinfo lives between `scheme://` and the first `/` of the path.
  const schemeEnd = head.indexOf('://');
  if (schemeEnd >= 0) {
    const authorityStart = schemeEnd + 3;
    const slash = head.indexOf('/', authorityStart);
    const authorityEnd = slash < 0 ? head.length : slash;
    const authority = head.slice(authorityStart, authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      const colon = userinfo.indexOf(':');
      if (colon >= 0) {
        const redactedAuthority = `${userinfo.slice(0, colon)}:${ENCODED_REDACTED}${authority.slice(at)}`;
        head = head.slice(0, authorityStart) + redactedAuthority + head.slice(authorityEnd);
      }
    }
  }
  return head + (query === null ? '' : `?${redactQueryString(query)}`) + fragment;
}

/** A form field as HAR's `postData.params` holds it. */
export interface FormField {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
}

/**
 * A copy of POST form fields (multipart/form-data or urlencoded) with secret values replaced.
 * Accepts HAR-style `{name, value}` objects, `[name, value]` pairs or a plain object, and returns the
 * same shape. File fields keep their file name and content type; their content is never a field value.
 */
export function redactFormFields<T extends FormField>(fields: readonly T[]): T[];
export function redactFormFields(fields: ReadonlyArray<readonly [string, string]>): [string, string][];
export function redactFormFields(fields: { readonly [name: string]: string }): Record<string, string>;
export function redactFormFields(
  fields:
    readonly FormField[] | ReadonlyArray<readonly [string, string]> | { readonly [name: string]: string },
): unknown {
  if (Array.isArray(fields)) {
    return (fields as ReadonlyArray<FormField | readonly [string, string]>).map((field) => {
      if (Array.isArray(field)) {
        const [name, value] = field as readonly [string, string];
        return [name, isSecretFormField(name) ? REDACTED : value];
      }
      const f = field as FormField;
      return isSecretFormField(f.name) && f.value !== undefined ? { ...f, value: REDACTED } : { ...f };
    });
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields as Record<string, string>)) {
    out[name] = isSecretFormField(name) ? REDACTED : value;
  }
  return out;
}

/** `a=1&b=2` form text with secret field values replaced, kept byte-identical otherwise. */
export function redactUrlencodedText(text: string): string {
  return text
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq < 0 ? part : part.slice(0, eq);
      if (eq < 0 || !isSecretFormField(safeDecode(rawName))) return part;
      return `${rawName}=${ENCODED_REDACTED}`;
    })
    .join('&');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anySecretName = [...new Set([...SECRET_FORM_FIELD_NAMES])].map(escapeRegExp).join('|');
// name: value / name=value (headers, logs, form text), "name":"value" (JSON), <name>value</name> (XML).
// The `-MD5` lookahead keeps fingerprints visible, as the header redaction does.
const TEXT_PATTERNS: readonly RegExp[] = [
  new RegExp(`("(?:${anySecretName})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`, 'gi'),
  new RegExp(`(<(?:${anySecretName})>)([^<]*)(</)`, 'gi'),
  // The value runs to the end of the line (an `Authorization: OBS ak:sig` header line) or the next `&`.
  new RegExp(`(\\b(?:${anySecretName})(?![\\w-])[ \\t]*[:=][ \\t]*)([^\\r\\n&"'<]+)()`, 'gi'),
];

/**
 * Free text (a log line, a JSON or XML body, urlencoded form text) with the values that follow any
 * secret name replaced. A best-effort net for text whose structure is unknown: structured data
 * should go through {@link redactHeaders}, {@link redactUrl} or {@link redactFormFields} instead.
 */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of TEXT_PATTERNS) {
    out = out.replace(pattern, (_m, pre: string, _value: string, post: string) => `${pre}${REDACTED}${post}`);
  }
  return out;
}
