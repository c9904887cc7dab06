/**
 * The client of an exchange, as the aggregate groups it: the User-Agent reduced to `product/version`,
 * with the version cut to what tells releases apart for that family of clients.
 */

/**
 * How many version components to keep, by product (lower-case). The AWS SDK for JavaScript v3 ships a
 * minor version every few days, so `aws-sdk-js/3.x` is one client; the OBS SDKs are few releases apart
 * and their SSE behaviour changes in patches (docs/sdk-notes.md), so they keep all three. Anything else
 * keeps major.minor (`Boto3/1.26`, `aws-cli/2.15`, `curl/8.5`).
 */
const PRECISION: ReadonlyArray<readonly [RegExp, number]> = [
  [/^aws-sdk-(js|nodejs)$/, 1],
  [/^(obs-sdk-|esdk-obs-)/, 3],
];
const DEFAULT_PRECISION = 2;
/** Browser products worth naming, in the order a browser's User-Agent is read (Edge claims Chrome too). */
const BROWSERS = ['Edg', 'OPR', 'Firefox', 'Chrome', 'Safari'];
const TOKEN = /^([A-Za-z][\w.+-]{0,47})\/(v?\d[\w.+-]{0,31})/;
const MAX_CLIENT = 64;

/** What an exchange without a User-Agent is grouped under. */
export const NO_CLIENT = '(no User-Agent)';

function cut(version: string, keep: number): string {
  const parts = version.replace(/^v/, '').split('.');
  if (keep === 1 && parts.length > 1) return `${parts[0]}.x`;
  return parts.slice(0, keep).join('.');
}

function reduced(product: string, version: string): string {
  const lower = product.toLowerCase();
  const keep = PRECISION.find(([re]) => re.test(lower))?.[1] ?? DEFAULT_PRECISION;
  return `${product}/${cut(version, keep)}`;
}

/**
 * `aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1 lang/js …` → `aws-sdk-js/3.x`; `obs-sdk-js/3.26.8` stays;
 * `Boto3/1.26.137 md/Botocore#1.29.137 …` → `Boto3/1.26`; a browser (`Mozilla/5.0 (…) Chrome/120.0…`)
 * → `Chrome/120.0`. Text that is not a product token is kept, shortened, so odd clients still group.
 */
export function clientOf(userAgent: string | undefined): string {
  const ua = userAgent?.trim();
  if (!ua) return NO_CLIENT;
  if (ua.startsWith('Mozilla/')) {
    for (const name of BROWSERS) {
      const m = new RegExp(`\\b${name}/(\\d[\\w.]*)`).exec(ua);
      if (m) return reduced(name, m[1] as string);
    }
  }
  const m = TOKEN.exec(ua);
  if (m) return reduced(m[1] as string, m[2] as string);
  // eslint-disable-next-line no-control-regex
  const text = ua.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return text.length <= MAX_CLIENT ? text : `${text.slice(0, MAX_CLIENT - 1)}…`;
}

/** The User-Agent of a header list (the first, any case). */
export function userAgentOf(headers: ReadonlyArray<readonly [string, string]>): string | undefined {
  for (const [name, value] of headers) {
    if (name.length === 10 && name.toLowerCase() === 'user-agent') return value;
  }
  return undefined;
}
