/**
 * The one place where secrets are taken out of anything this project prints, records or reports.
 *
 * Secrets here are SSE-C customer keys (target and copy-source, both dialects) and credentials
 * (authorization headers, security tokens, signatures, POST policies). The `-key-MD5` headers are
 * fingerprints of a key, not the key, and stay visible: they are what a reader needs to tell two
 * keys apart.
 *
 * Redaction works two ways. By name: the value of a secret header, query parameter or form field is
 * replaced, names compared case-insensitively after percent-decoding (nested escapes too), and any name
 * spelling a customer key (`…-customer-keys`, minio's `SSECustomerKey`) counts. By value: the secrets
 * of one exchange ({@link exchangeSecrets}) and any run that decodes to 32 bytes are replaced wherever
 * they occur, whatever carries them (see ./redact-values.ts).
 */
import {
  isKeyName,
  isSecretFormField,
  isSecretHeader,
  isSecretQueryParam,
  REDACTED,
  SECRET_FORM_FIELD_NAMES,
} from './redact-names';
import { keyRunSpans, percentDecodeAll, redactValues, SecretValues } from './redact-values';

export {
  isKeyName,
  isSecretFormField,
  isSecretHeader,
  isSecretQueryParam,
  REDACTED,
  REDACTION_MARKERS,
  redactionMarkerTest,
  SECRET_FORM_FIELD_NAMES,
  SECRET_HEADER_NAMES,
  SECRET_QUERY_NAMES,
} from './redact-names';
export { SecretValues } from './redact-values';

/**
 * `text` with every run that decodes to 32 bytes and every spelling of `secrets` replaced by
 * {@link REDACTED}, escaped or not, and nothing else touched: for text this project wrote itself
 * (messages, names, log fields), where no `name: value` pattern needs guessing.
 */
export function redactByValue(text: string, secrets?: SecretValues): string {
  return redactValues(text, secrets, REDACTED);
}
const byValue = redactByValue;

/**
 * A header value with the secret replaced: the whole value of a secret header, else any key-shaped
 * run and any of `secrets` in it. Arrays (repeated headers) are redacted element by element.
 */
export function redactHeaderValue<V>(name: string, value: V, secrets?: SecretValues): V | string | string[] {
  if (Array.isArray(value))
    return value.map((v: unknown) => redactHeaderValue(name, String(v), secrets) as string);
  if (isSecretHeader(name)) return REDACTED;
  return typeof value === 'string' ? byValue(value, secrets) : value;
}

/** Header pairs, as node's `rawHeaders` paired up or as fetch's `Headers` entries give them. */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>;
/** A plain header object such as node:http's `IncomingHttpHeaders` or `OutgoingHttpHeaders`. */
export type HeaderRecord = { readonly [name: string]: string | number | readonly string[] | undefined };

/**
 * A copy of the headers with every secret value replaced by {@link REDACTED} (see
 * {@link redactHeaderValue}); names that hold a key are redacted too. Pairs stay pairs in their order,
 * objects stay objects with their keys as spelled; the input is not modified.
 */
export function redactHeaders(headers: HeaderPairs, secrets?: SecretValues): [string, string][];
export function redactHeaders<T extends HeaderRecord>(
  headers: T,
  secrets?: SecretValues,
): { [K in keyof T]: T[K] | string | string[] };
export function redactHeaders(headers: HeaderPairs | HeaderRecord, secrets?: SecretValues): unknown {
  if (Array.isArray(headers)) {
    return (headers as HeaderPairs).map(([name, value]): [string, string] => [
      byValue(name, secrets),
      isSecretHeader(name) ? REDACTED : byValue(value, secrets),
    ]);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers as HeaderRecord)) {
    out[name] = redactHeaderValue(name, value, secrets);
  }
  return out;
}

const ENCODED_REDACTED = encodeURIComponent(REDACTED);

/**
 * `a=1&Signature=x` with the values of secret names replaced, each part otherwise untouched. Parts
 * are separated by `&` or `;` (which some servers also split on); names are compared decoded.
 */
function redactParams(query: string, isSecret: (name: string) => boolean, replacement: string): string {
  if (query === '') return query;
  return query
    .split(/([&;])/)
    .map((part, i) => {
      if (i % 2 === 1) return part;
      const eq = part.indexOf('=');
      // A valueless secret name (`?Signature`) has nothing to hide; keep it as it was.
      if (eq < 0 || !isSecret(part.slice(0, eq).replace(/\+/g, ' '))) return part;
      return `${part.slice(0, eq)}=${replacement}`;
    })
    .join('');
}

/** The `name=value` parts of a query string or fragment, names percent-decoded. */
function params(query: string): Array<[string, string]> {
  return query
    .split(/[&;]/)
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? [percentDecodeAll(part), '']
        : [percentDecodeAll(part.slice(0, eq)), part.slice(eq + 1)];
    });
}

/**
 * The URL with credential and customer-key parameters redacted in the query and the fragment (names
 * compared case-insensitively and decoded), any `user:password@` password replaced, and any key-shaped
 * run or value of `secrets` replaced wherever it is, escaped or not. Everything else is kept byte for
 * byte, so the result still identifies the request. Works on absolute URLs, origin-form request
 * targets (`/bucket/key?x=y`) and malformed strings alike; never throws.
 */
export function redactUrl(url: string, secrets?: SecretValues): string {
  if (typeof url !== 'string' || url === '') return url;
  // Fast path: no query, fragment or userinfo leaves only the by-value search, which has its own.
  if (url.indexOf('?') < 0 && url.indexOf('#') < 0 && url.indexOf('@') < 0) {
    return redactValues(url, secrets, ENCODED_REDACTED);
  }
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
  const redacted =
    head +
    (query === null ? '' : `?${redactParams(query, isSecretQueryParam, ENCODED_REDACTED)}`) +
    (hashAt < 0 ? '' : `#${redactParams(fragment.slice(1), isSecretQueryParam, ENCODED_REDACTED)}`);
  return redactValues(redacted, secrets, ENCODED_REDACTED);
}

/** A form field as HAR's `postData.params` holds it. */
export interface FormField {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
}

/**
 * A copy of POST form fields (multipart/form-data or urlencoded) with secret values replaced, and
 * key-shaped runs and `secrets` replaced in the others. Accepts HAR-style `{name, value}` objects,
 * `[name, value]` pairs or a plain object, and returns the same shape. File fields keep their content
 * type; their content is never a field value.
 */
export function redactFormFields<T extends FormField>(fields: readonly T[], secrets?: SecretValues): T[];
export function redactFormFields(
  fields: ReadonlyArray<readonly [string, string]>,
  secrets?: SecretValues,
): [string, string][];
export function redactFormFields(
  fields: { readonly [name: string]: string },
  secrets?: SecretValues,
): Record<string, string>;
export function redactFormFields(
  fields:
    readonly FormField[] | ReadonlyArray<readonly [string, string]> | { readonly [name: string]: string },
  secrets?: SecretValues,
): unknown {
  const value = (name: string, v: string): string =>
    isSecretFormField(name) ? REDACTED : byValue(v, secrets);
  if (Array.isArray(fields)) {
    return (fields as ReadonlyArray<FormField | readonly [string, string]>).map((field) => {
      if (Array.isArray(field)) {
        const [name, v] = field as readonly [string, string];
        return [byValue(name, secrets), value(name, v)];
      }
      const f = { ...(field as FormField) };
      if (f.value !== undefined) f.value = value(f.name, f.value);
      if (f.fileName !== undefined) f.fileName = byValue(f.fileName, secrets);
      f.name = byValue(f.name, secrets);
      return f;
    });
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(fields as Record<string, string>)) out[name] = value(name, v);
  return out;
}

/** `a=1&b=2` form text with secret field values, key-shaped runs and `secrets` replaced, kept otherwise. */
export function redactUrlencodedText(text: string, secrets?: SecretValues): string {
  return redactValues(redactParams(text, isSecretFormField, ENCODED_REDACTED), secrets, ENCODED_REDACTED);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anySecretName = [
  ...[...new Set([...SECRET_FORM_FIELD_NAMES])].map(escapeRegExp),
  '[\\w-]*customer-?keys?',
].join('|');
// name: value / name=value (headers, logs, form text), "name":"value" (JSON), <name>value</name> (XML).
// The `-MD5` lookahead keeps fingerprints visible, as the header redaction does.
const TEXT_PATTERNS: readonly RegExp[] = [
  new RegExp(`("(?:${anySecretName})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`, 'gi'),
  new RegExp(`(<(?:${anySecretName})>)([^<]*)(</)`, 'gi'),
  // The value runs to the end of the line (an `Authorization: OBS ak:sig` header line) or the next `&`.
  new RegExp(`(\\b(?:${anySecretName})(?![\\w-])[ \\t]*[:=][ \\t]*)([^\\r\\n&"'<]+)()`, 'gi'),
];
// OBS and S3 error bodies name the argument they reject, then echo its value.
const ARGUMENT =
  /(<ArgumentName>\s*([^<]*?)\s*<\/ArgumentName>\s*<ArgumentValue>)([^<]*)(<\/ArgumentValue>)/gi;

/**
 * Free text (a log line, a JSON or XML body, urlencoded form text) with the values that follow any
 * secret name replaced, an `<ArgumentValue>` whose `<ArgumentName>` is secret, and every key-shaped
 * run and value of `secrets`. Structured data should go through {@link redactHeaders},
 * {@link redactUrl} or {@link redactFormFields}, which know where each value starts and ends.
 */
export function redactText(text: string, secrets?: SecretValues): string {
  let out = text;
  for (const pattern of TEXT_PATTERNS) {
    out = out.replace(pattern, (_m, pre: string, _value: string, post: string) => `${pre}${REDACTED}${post}`);
  }
  out = out.replace(ARGUMENT, (m, pre: string, name: string, _value: string, post: string) =>
    isSecretHeader(name) || isSecretQueryParam(name) ? `${pre}${REDACTED}${post}` : m,
  );
  return byValue(out, secrets);
}

/** True when `value`, percent-decoded, is one 256-bit key (base64 of either alphabet, or hex). */
function isWholeKey(value: string): boolean {
  return WHOLE_KEY.test(percentDecodeAll(value).trim());
}
const WHOLE_KEY = /^(?:[A-Za-z0-9+/_-]{43}=?|[0-9a-fA-F]{64})$/;

/** True when `value`, percent-decoded, is one 256-bit key in base64 (either alphabet, padded or not). */
function isBase64Key(value: string): boolean {
  const v = percentDecodeAll(value);
  // Hex runs of 64 are left out: a URL carries SHA-256 signatures in hex (`X-Amz-Signature`).
  return keyRunSpans(v).some(([a, b]) => a === 0 && b === v.length && b !== 64);
}

/**
 * The query and fragment parameters of a URL that carry a customer key: a key name (see
 * {@link isKeyName}) with a value, or a value, or a bare name, that is a 256-bit key in base64. Each is
 * named as sent but decoded, and redacted by value, so the names never hold the key.
 */
export function urlKeyParams(url: string): string[] {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const query = queryAt < 0 ? '' : beforeHash.slice(queryAt + 1);
  const fragment = hashAt < 0 ? '' : url.slice(hashAt + 1);
  const out: string[] = [];
  for (const [name, value] of [...params(query), ...params(fragment)]) {
    const carries =
      value !== '' ? (isKeyName(name) && value.trim() !== '') || isBase64Key(value) : isBase64Key(name);
    if (carries) out.push(redactByValue(name));
  }
  return out;
}

/**
 * Where {@link isSecretHeader}'s answer for a name is kept: a checker's name cache (`checker.names`,
 * src/engine/name-cache.ts), which computed it once per spelling.
 */
export interface SecretNames {
  get(name: string): { readonly secret: boolean };
}

/** What an exchange is made of, as far as secrets go; every part is optional. */
export interface ExchangeParts {
  /** The request URL (absolute or origin-form), as sent. */
  url?: string | undefined;
  /** Request and response headers. */
  headers?: Iterable<readonly [string, string]> | undefined;
  /** Form fields (PostObject), as pairs or HAR params. */
  fields?: Iterable<readonly [string, string] | FormField> | undefined;
  /** Bodies kept as text (XML, urlencoded forms): only their key-shaped runs are taken. */
  texts?: ReadonlyArray<string | undefined> | undefined;
  /**
   * `false` takes header and field values by name only, and leaves out values that are 256-bit keys
   * themselves. Enough when only printed text is written (a log line): a key is found there by its
   * own shape in any of its spellings, so searching for it, or reading every header value for one,
   * would only cost time on every exchange.
   */
  keyRuns?: boolean;
  /** Looks header names up instead of testing each with {@link isSecretHeader} (a hot path). */
  names?: SecretNames | undefined;
}

function addPair(s: SecretValues, name: string, value: string, secret: boolean, keyRuns: boolean): void {
  if (!keyRuns) {
    if (secret && !isWholeKey(value)) s.add(value);
    return;
  }
  if (secret) s.add(value);
  s.addKeyRuns(name);
  s.addKeyRuns(value);
}

/**
 * Every secret value seen anywhere in one exchange, for redacting the exchange wherever it is written:
 * the values of secret headers, query parameters (query and fragment) and form fields, by name as
 * {@link isSecretHeader} reads names, and every run in any name or value that decodes to 32 bytes
 * (a key sent as the KMS key id, the algorithm or the MD5 is a key all the same).
 */
export function exchangeSecrets(parts: ExchangeParts): SecretValues {
  const s = new SecretValues();
  const runs = parts.keyRuns !== false;
  const names = parts.names;
  for (const [name, value] of parts.headers ?? []) {
    addPair(s, name, value, names ? names.get(name).secret : isSecretHeader(name), runs);
  }
  for (const field of parts.fields ?? []) {
    const [name, value] = Array.isArray(field)
      ? (field as readonly [string, string])
      : [(field as FormField).name, (field as FormField).value ?? ''];
    addPair(s, name, value, isSecretFormField(name), runs);
  }
  const url = parts.url;
  if (url !== undefined && url !== '') {
    const hashAt = url.indexOf('#');
    const queryAt = url.indexOf('?');
    const query =
      queryAt < 0 || (hashAt >= 0 && hashAt < queryAt)
        ? ''
        : url.slice(queryAt + 1, hashAt < 0 ? undefined : hashAt);
    const fragment = hashAt < 0 ? '' : url.slice(hashAt + 1);
    for (const part of [query, fragment]) {
      if (part === '') continue;
      for (const [name, value] of params(part)) if (isSecretQueryParam(name)) s.add(value);
    }
    if (runs) s.addKeyRuns(url);
  }
  for (const text of parts.texts ?? []) if (text !== undefined) s.addKeyRuns(text);
  return s;
}
