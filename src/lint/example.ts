/**
 * The example exchange a group of the aggregate shows: its request and response headers, redacted and
 * bounded, so that a report shows what was sent without ever showing a key or a credential.
 */
import { exchangeSecrets, redactHeaders, redactUrl, REDACTED, type SecretValues } from '../redact';
import type { Exchange } from '../traffic';
import { clip, MAX_URL } from './types';

/** An example exchange: redacted, at most {@link MAX_HEADERS} headers a side, values shortened. */
export interface ExchangeExample {
  method: string;
  url: string;
  status?: number;
  requestHeaders: [string, string][];
  responseHeaders?: [string, string][];
  /** Headers left out past {@link MAX_HEADERS}. */
  headersOmitted?: number;
}

const MAX_HEADERS = 40;
const MAX_NAME = 128;
const MAX_VALUE = 256;
// The engine's test for a value that may hold a 256-bit key (src/engine/report.ts): a key pasted into
// another header, a bucket name or a User-Agent must not reach a report either.
const KEY_LIKE = /[A-Za-z0-9+/_=-]{43,}/g;
// Header names are long runs of letters and hyphens (`x-obs-server-side-encryption-customer-algorithm`);
// in a name, only a run without hyphens (standard base64 or hex) is taken for a key.
const KEY_LIKE_NAME = /[A-Za-z0-9+/_=]{43,}/g;

/** `s` with every run long enough to be a 256-bit key (base64 or hex) replaced. */
export function withoutKeyLikeRuns(s: string, pattern = KEY_LIKE): string {
  return s.length < 43 ? s : s.replace(pattern, REDACTED);
}

function side(
  headers: ReadonlyArray<readonly [string, string]>,
  omitted: { n: number },
  secrets: SecretValues,
): [string, string][] {
  const kept = headers.slice(0, MAX_HEADERS);
  omitted.n += headers.length - kept.length;
  return redactHeaders(kept, secrets).map(([name, value]) => [
    clip(withoutKeyLikeRuns(name, KEY_LIKE_NAME), MAX_NAME),
    clip(withoutKeyLikeRuns(value), MAX_VALUE),
  ]);
}

/** The secrets of a recorded exchange: in its URL, headers, form fields and bodies. */
export function recordedSecrets(ex: Exchange): SecretValues {
  return exchangeSecrets({
    url: ex.url,
    headers: ex.responseHeaders ? [...ex.requestHeaders, ...ex.responseHeaders] : ex.requestHeaders,
    fields: ex.postData?.params,
    texts: [ex.postData?.text, ex.responseText],
  });
}

/** The redacted example of one exchange: every key it carries is redacted wherever it shows. */
export function exampleOf(ex: Exchange): ExchangeExample {
  const omitted = { n: 0 };
  const secrets = recordedSecrets(ex);
  const out: ExchangeExample = {
    method: clip(ex.method, 32),
    url: clip(redactUrl(ex.url, secrets), MAX_URL),
    requestHeaders: side(ex.requestHeaders, omitted, secrets),
  };
  if (ex.status !== undefined) out.status = ex.status;
  if (ex.responseHeaders) out.responseHeaders = side(ex.responseHeaders, omitted, secrets);
  if (omitted.n > 0) out.headersOmitted = omitted.n;
  return out;
}
